"""Adapters over the `llm` library: its models, plugins, keys and aliases."""
