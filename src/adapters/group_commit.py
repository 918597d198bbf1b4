"""Group commit, shared by the LMDB and PostgreSQL event stores: appends queue for one writer thread per store,
which commits everything waiting (up to a batch) in one durable transaction, then settles each caller's future.

An append returns once the transaction holding it is committed (durably, as the store commits); concurrent
pipelines so share one flush. An append whose caller is cancelled may still be stored. `close` lets the
writer finish what is queued, then stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from writeit.application.errors import StoreError

MAX_BATCH = 256
V = TypeVar("V")
Outcome = int | BaseException  # an append's new version, or why it was refused


@dataclass(slots=True)
class Pending(Generic[V]):
    pipeline_id: str
    expected: int
    values: list[V]
    future: asyncio.Future[int]
    loop: asyncio.AbstractEventLoop


class GroupCommitWriter(Generic[V]):
    """`commit(batch)` applies a batch in one transaction, in order, and returns one outcome per append; it
    must not raise (a failure is every append's outcome). It runs on the writer thread only."""

    def __init__(self, commit: Callable[[list[Pending[V]]], list[Outcome]], name: str) -> None:
        self._commit = commit
        self._name = name
        self._queue: queue.SimpleQueue[Pending[V] | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    async def append(self, pipeline_id: str, values: list[V], expected: int) -> int:
        loop = asyncio.get_running_loop()
        pending = Pending(pipeline_id, expected, values, loop.create_future(), loop)
        self._submit(pending)
        return await pending.future

    def close(self) -> None:
        """Finish the queued appends and stop the writer thread."""
        with self._lock:
            self._closed = True
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(None)
            writer.join()

    def _submit(self, pending: Pending[V]) -> None:
        with self._lock:
            if self._closed:
                raise StoreError("the event store is closed")
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name=self._name, daemon=True)
                self._writer.start()
            self._queue.put(pending)

    def _write_loop(self) -> None:
        while (first := self._queue.get()) is not None:
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    pending = self._queue.get_nowait()
                except queue.Empty:
                    break
                if pending is None:
                    self._queue.put(None)  # stop once this batch is committed
                    break
                batch.append(pending)
            settle(batch, self._commit(batch))


def settle(batch: list[Pending[V]], outcomes: list[Outcome]) -> None:
    """Hand each append its outcome: one wake-up per event loop for the whole batch, not one per append."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[int], Outcome]]] = {}
    for pending, outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(pending.loop, []).append((pending.future, outcome))
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(_settle_all, settled)


def _settle_all(settled: list[tuple[asyncio.Future[int], Outcome]]) -> None:
    for future, outcome in settled:
        if future.done():  # cancelled by its caller
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
