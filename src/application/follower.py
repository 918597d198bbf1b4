"""Live across processes: tail the store's global log and feed the hub the events other processes stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from writeit.application.errors import StoreError
from writeit.application.hub import StreamHub
from writeit.application.ports import EventStore, Wakeup

POLL_SECONDS = 0.02  # a poll is one read transaction (~10 µs in LMDB): 50 a second cost nothing measurable
SAFETY_POLL_SECONDS = 0.5  # with a Wakeup (PostgreSQL's NOTIFY): a poll as well, should a notification be lost
SKIP_AFTER = 5  # failed reads of one position before it is skipped: positions are gapless, live updates go on
_PAGE = 1000
log = logging.getLogger(__name__)


class LogFollower:
    """Polls `last_position()`; when it moved, reads the new events and publishes them to the hub. With a
    `wakeup` it reads when told that the log moved, and polls only slowly.

    Events this process stored were published by its save already: the hub sends each (pipeline, seq) once.
    Token chunks never cross: they are not stored.
    """

    def __init__(
        self, store: EventStore, hub: StreamHub, poll_seconds: float = POLL_SECONDS, wakeup: Wakeup | None = None
    ) -> None:
        self._store = store
        self._hub = hub
        self._poll = poll_seconds
        self._wakeup = wakeup
        self.position: int | None = None
        self._failures = 0  # failed reads after `position`, in a row
        self._careful_until = 0  # after a failure, read one event at a time up to here, to find the one that fails

    async def start(self) -> None:
        """From the end of the log as it is now: what a subscriber could not have seen live is in the store."""
        self.position = await self._store.last_position()

    async def step(self) -> int:
        """Publish what was appended since the last step; returns how many events were read."""
        if self.position is None:
            await self.start()
        assert self.position is not None
        last = await self._store.last_position()
        read = 0
        while self.position < last:
            careful = self.position < self._careful_until
            try:
                batch = await self._store.read_all(after=self.position, limit=1 if careful else _PAGE)
            except StoreError as exc:
                self._failed(exc, last, careful)
                raise
            self._failures = 0
            if not batch:
                break
            self._hub.publish_events([e.event for e in batch])
            self.position = batch[-1].position
            read += len(batch)
        return read

    def _failed(self, exc: StoreError, last: int, careful: bool) -> None:
        """Warn once per position; a position that keeps failing alone is skipped, with an error naming it."""
        assert self.position is not None
        self._careful_until = max(self._careful_until, last)
        self._failures += 1
        if self._failures == 1:
            log.warning("reading the event log after position %d failed, trying again: %s", self.position, exc)
        if careful and self._failures >= SKIP_AFTER:
            self.position += 1
            self._failures = 0
            log.error("event log position %d cannot be read, skipped (live updates go on): %s", self.position, exc)

    async def run(self) -> None:
        """Follow until cancelled (from where `start` left it, if it ran)."""
        while True:
            # A failed read (the store closing, say) is tried again at the next poll; see `_failed`.
            with contextlib.suppress(StoreError):
                await self.step()
            if self._wakeup is None:
                await asyncio.sleep(self._poll)
            else:
                await self._wakeup.wait(SAFETY_POLL_SECONDS)
