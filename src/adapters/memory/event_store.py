"""An in-memory EventStore for unit tests, storing JSON like the real one so codec bugs still show."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from writeit.application.errors import VersionConflictError
from writeit.application.ports import LoggedEvent, check_append
from writeit.domain.codec import from_record, to_record
from writeit.domain.events import Event

# Same limit as the LMDB store, so the fake refuses exactly what the real store refuses.


class InMemoryEventStore:
    """EventStore held in a dict of JSON lines per pipeline; insertion order is creation order. The global log
    is a list of (pipeline, index) in append order; an append stores and logs its events without yielding."""

    def __init__(self) -> None:
        self._streams: dict[str, list[str]] = {}
        self._log: list[tuple[str, int]] = []

    async def append(self, pipeline_id: str, events: Sequence[Event], expected_version: int) -> int:
        check_append(pipeline_id, events, expected_version)
        lines = [json.dumps(to_record(event), separators=(",", ":"), ensure_ascii=False) for event in events]
        # Yield once so concurrent callers interleave as they would against a real store.
        await asyncio.sleep(0)
        actual = len(self._streams.get(pipeline_id, ()))
        if actual != expected_version:
            raise VersionConflictError(pipeline_id, expected_version, actual)
        if lines:
            self._streams.setdefault(pipeline_id, []).extend(lines)
            self._log.extend((pipeline_id, index) for index in range(actual, actual + len(lines)))
        return actual + len(lines)

    async def read(self, pipeline_id: str, after: int = 0) -> list[Event]:
        lines = self._streams.get(pipeline_id, [])
        return [from_record(json.loads(line)) for line in lines[max(after, 0) :]]

    async def version(self, pipeline_id: str) -> int:
        return len(self._streams.get(pipeline_id, ()))

    async def pipeline_ids(self) -> list[str]:
        return list(self._streams)

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[LoggedEvent]:
        start = max(after, 0)
        chosen = self._log[start : start + max(limit, 0)]
        return [
            LoggedEvent(position, from_record(json.loads(self._streams[pid][index])))
            for position, (pid, index) in enumerate(chosen, start=start + 1)
        ]

    async def last_position(self) -> int:
        return len(self._log)
