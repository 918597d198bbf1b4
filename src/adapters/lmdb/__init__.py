"""adapters/lmdb."""
