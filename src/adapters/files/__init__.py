"""Plain-directory adapters: workspaces on disk."""
