"""The TUI's screens, one module each; they call application services only through the App."""
