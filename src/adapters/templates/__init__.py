"""adapters/templates."""
