"""adapters/llm."""
