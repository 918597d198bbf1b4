"""Pipeline templates: YAML files found, validated before any run, and rendered with sandboxed Jinja2."""
