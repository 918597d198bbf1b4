"""WriteIt: multi-model writing pipelines with editorial control."""

__version__ = "0.1.0"
