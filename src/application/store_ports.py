"""The storage ports: the event log, projections' rows and snapshots, stated as Protocols."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event with its place in the store's global log."""

    position: int
    event: Event


class EventStore(Protocol):
    """An append-only log of events per pipeline, and one global log of them all.

    Sequence numbers start at 1 and increase by 1 within a pipeline. Appends are atomic: all of a call's
    events are stored, or none. Stored events are never changed. Every stored event also has a global
    position, given in the transaction that stores it: 1, 2, 3… in commit order with no gap, so a reader
    that has seen position N and reads after N misses nothing, whichever process appended.
    """

    async def append(self, pipeline_id: str, events: Sequence[Event], expected_version: int) -> int:
        """Append `events` (whose seq must continue from `expected_version`); return the new version.

        Raises VersionConflictError when the stream's version is not `expected_version` (nothing stored),
        StoreError when the storage fails (nothing stored).
        """
        ...

    async def read(self, pipeline_id: str, after: int = 0) -> list[Event]:
        """The pipeline's events with seq > `after`, in order; [] for an unknown pipeline."""
        ...

    async def version(self, pipeline_id: str) -> int:
        """The seq of the pipeline's last event; 0 for an unknown pipeline."""
        ...

    async def pipeline_ids(self) -> list[str]:
        """Every pipeline with at least one event, oldest first."""
        ...

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[LoggedEvent]:
        """At most `limit` events of any pipeline with a global position > `after`, in position order."""
        ...

    async def last_position(self) -> int:
        """The global position of the last stored event; 0 for an empty store."""
        ...


@dataclass(frozen=True, slots=True)
class ProjectionState:
    """Which version of a projection's code made its rows, and the last global position they include."""

    version: int = 0
    position: int = 0


Row = Mapping[str, Any]


class ProjectionStore(Protocol):
    """Read models fed by the global log: per projection name, rows by key (JSON-able mappings) and the
    position applied, always changed together in one transaction, so rows are never behind or ahead of it."""

    async def state(self, name: str) -> ProjectionState:
        """The projection's version and position; ProjectionState() (0, 0) when it was never built."""
        ...

    async def reset(self, name: str, version: int) -> None:
        """Drop every row and start again at position 0 as `version`."""
        ...

    async def commit(self, name: str, expected: ProjectionState, position: int, rows: Mapping[str, Row]) -> bool:
        """Store `rows` (replacing those with the same keys) and move to `position`, if the projection is still
        at `expected`; False (nothing stored) when another writer moved it first."""
        ...

    async def rows(self, name: str) -> list[Row]:
        """Every row, in key order."""
        ...


class SnapshotStore(Protocol):
    """The latest saved state of each pipeline, so a long one loads from it plus the events after it.

    A snapshot is versioned by the domain code that made it: one made by other code is never returned.
    """

    async def load(self, pipeline_id: str) -> Pipeline | None:
        """A new aggregate as of the pipeline's latest usable snapshot (its `version`), or None."""
        ...

    async def save(self, pipeline: Pipeline) -> None:
        """Keep the aggregate's state (as of its `version`) as the pipeline's snapshot. It is encoded before
        the call first yields, so the caller may go on changing the aggregate. StoreError when it fails."""
        ...


# LMDB keys are at most 511 bytes: ids stay well below, with room for the sequence suffix.
MAX_PIPELINE_ID_BYTES = 256


def check_append(pipeline_id: str, events: Sequence[Event], expected_version: int) -> None:
    """The arguments every EventStore refuses with ValueError: a bad id or version, or events that do not
    belong to the pipeline or do not continue its sequence from `expected_version`."""
    if not pipeline_id or "\x00" in pipeline_id or len(pipeline_id.encode()) > MAX_PIPELINE_ID_BYTES:
        raise ValueError(f"invalid pipeline id {pipeline_id[:40]!r}")
    if expected_version < 0:
        raise ValueError(f"expected version must be >= 0, not {expected_version}")
    for offset, event in enumerate(events, start=1):
        if event.pipeline_id != pipeline_id:
            raise ValueError(f"event for pipeline '{event.pipeline_id}' appended to '{pipeline_id}'")
        if event.seq != expected_version + offset:
            raise ValueError(f"event seq {event.seq} does not continue version {expected_version + offset - 1}")
