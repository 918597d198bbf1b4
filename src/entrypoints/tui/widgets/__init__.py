"""The TUI's own widgets: candidate panels and the deck that lays them out."""
