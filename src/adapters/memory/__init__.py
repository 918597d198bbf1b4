"""adapters/memory."""
