"""Moving a workspace's events from one store to another, in global order, verified equal event for event."""

from __future__ import annotations

from dataclasses import dataclass

from writeit.application.errors import StoreError
from writeit.application.ports import EventStore, LoggedEvent
from writeit.domain.events import Event

_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Copied:
    pipelines: int
    events: int


async def copy_events(source: EventStore, target: EventStore) -> Copied:
    """Append every event of `source` to `target` (which must be empty), in the source's global order, so the
    target's positions are the source's; then read both back and compare them event for event.

    Projections and snapshots are not copied: the target rebuilds them from its log by itself. StoreError when
    the target already holds events (nothing is copied) or the copy differs (say where).
    """
    if await target.last_position() > 0:
        raise StoreError("the target store already holds events; choose an empty one (nothing was copied)")
    position = 0
    while page := await source.read_all(after=position, limit=_PAGE):
        for pipeline_id, run in _runs(page):
            await target.append(pipeline_id, run, expected_version=run[0].seq - 1)
        position = page[-1].position
    await verify_equal(source, target)
    return Copied(len(await target.pipeline_ids()), await target.last_position())


async def verify_equal(source: EventStore, target: EventStore) -> None:
    """StoreError naming the first position where the two global logs differ."""
    position = 0
    while True:
        mine, theirs = (
            await source.read_all(after=position, limit=_PAGE),
            await target.read_all(after=position, limit=_PAGE),
        )
        for a, b in zip(mine, theirs, strict=False):
            if a != b:
                raise StoreError(f"the copy differs from the source at position {a.position}")
        if len(mine) != len(theirs):
            raise StoreError(f"the copy has {len(theirs)} events after position {position}, the source {len(mine)}")
        if not mine:
            return
        position = mine[-1].position


def _runs(page: list[LoggedEvent]) -> list[tuple[str, list[Event]]]:
    """Consecutive events of one pipeline as one append (an append is one atomic, ordered batch)."""
    runs: list[tuple[str, list[Event]]] = []
    for logged in page:
        event = logged.event
        if runs and runs[-1][0] == event.pipeline_id:
            runs[-1][1].append(event)
        else:
            runs.append((event.pipeline_id, [event]))
    return runs
