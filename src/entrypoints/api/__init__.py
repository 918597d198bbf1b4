"""entrypoints/api."""
