"""entrypoints/tui."""
