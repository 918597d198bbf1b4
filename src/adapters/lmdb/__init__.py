"""LMDB adapters: the workspace environment and the durable event store built on it."""
