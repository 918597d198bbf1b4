"""The Textual TUI: template picker, input form, streaming step view, branches, diff and export."""
