"""The pure core: templates, the Pipeline aggregate, its events and branching rules (stdlib only)."""
