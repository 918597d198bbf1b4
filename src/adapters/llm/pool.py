"""Instances of a sync `llm` model, each lent to one call at a time: local models are not thread-safe.

A local model keeps native state (llama.cpp's context) that two threads must never share, and its loader
crashes when two instances load at once. So each concurrent call borrows an instance of its own (llm builds a
new one on every lookup), up to `size` per model, and a new instance's first call runs alone until its first
chunk, which is when local plugins load their weights. Everything here runs on the calls' worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# One for the whole process: loaders of different models share the native library too.
_loading = threading.Lock()


class Lease:
    """An instance lent to one call; `loaded()` once it has produced something (its weights are in)."""

    def __init__(self, model: Any, cold: bool) -> None:
        self.model = model
        self._loading = cold
        if cold:
            _loading.acquire()

    def loaded(self) -> None:
        if self._loading:
            self._loading = False
            _loading.release()


class InstancePool:
    def __init__(self, first: Any, fresh: Callable[[], Any], size: int = 2) -> None:
        self._idle: list[tuple[Any, bool]] = [(first, True)]  # (instance, never used yet)
        self._fresh = fresh
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()

    @contextmanager
    def lease(self, stopped: threading.Event) -> Iterator[Lease | None]:
        """Wait for a free instance (None if `stopped` is set meanwhile); it returns to the pool on exit."""
        while not self._slots.acquire(timeout=0.1):
            if stopped.is_set():
                yield None
                return
        try:
            with self._lock:
                model, cold = self._idle.pop() if self._idle else (None, True)
            if model is None:
                model = self._fresh()
            lease = Lease(model, cold)
            try:
                yield lease
            finally:
                lease.loaded()
                with self._lock:
                    self._idle.append((model, False))
        finally:
            self._slots.release()
