"""Document writers: exported histories in formats that need a library (YAML through PyYAML)."""
