"""Read models fed by the global log: the pipeline summaries, stored with the log position they include."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from writeit.application.aggregates import AggregateCache
from writeit.application.ports import EventStore, LoggedEvent, ProjectionState, ProjectionStore, Row
from writeit.application.views import PipelineSummary, summary
from writeit.domain.pipeline import Pipeline

SUMMARIES = "summaries"
# Bump when a row's fields or their meaning change: a store holding another version rebuilds it by itself.
SUMMARIES_VERSION = 1
_PAGE = 512  # events per transaction while catching up
_WORKING = 64  # aggregates kept warm while folding (and 32 MB); a cold one is loaded at the version needed

# Loads a pipeline as it was at a version (its events up to that seq), e.g. from a snapshot plus its tail.
LoadAt = Callable[[str, int], Awaitable[Pipeline]]
_FIELDS = {f.name for f in dataclasses.fields(PipelineSummary)}


class SummaryProjection:
    """One row per pipeline: its PipelineSummary and the sessions running its pending candidates.

    Each page of the log is folded into the aggregates it touches and committed with its last position, so
    the rows always equal the summaries of the pipelines as of that position: a crash loses only work to
    redo, a second process applying the same page first makes ours a no-op.
    """

    def __init__(self, store: EventStore, projections: ProjectionStore, load_at: LoadAt | None = None) -> None:
        self._store = store
        self._projections = projections
        self._load_at = load_at or self._replay_to
        self._working = AggregateCache(_WORKING, 32 << 20)

    async def catch_up(self) -> int:
        """Apply every event after the stored position (rebuilding first if missing or outdated)."""
        state = await self._current()
        while batch := await self._store.read_all(after=state.position, limit=_PAGE):
            rows = {pipeline.id: _row(pipeline) for pipeline in [await self._fold(logged) for logged in batch]}
            if await self._projections.commit(SUMMARIES, state, batch[-1].position, rows):
                state = ProjectionState(state.version, batch[-1].position)
            else:  # another process got there first: continue from where it left the rows
                self._working.clear()
                state = await self._current()
        return state.position

    async def summaries(self) -> list[PipelineSummary]:
        """Every pipeline's summary, oldest first, as of the end of the log."""
        rows = await self.rows()
        return [PipelineSummary(**{k: v for k, v in row.items() if k in _FIELDS}) for row in rows]

    async def rows(self) -> list[Row]:
        await self.catch_up()
        rows = await self._projections.rows(SUMMARIES)
        return sorted(rows, key=lambda row: (row["created_at"], row["id"]))

    async def pending_sessions(self) -> dict[str, tuple[str, ...]]:
        """The pipelines with pending candidates, and the sessions that started them."""
        return {row["id"]: tuple(row["sessions"]) for row in await self.rows() if row["sessions"]}

    async def _current(self) -> ProjectionState:
        state = await self._projections.state(SUMMARIES)
        if state.version != SUMMARIES_VERSION:
            await self._projections.reset(SUMMARIES, SUMMARIES_VERSION)
            state = ProjectionState(SUMMARIES_VERSION, 0)
            self._working.clear()
        return state

    async def _fold(self, logged: LoggedEvent) -> Pipeline:
        event = logged.event
        pipeline = self._working.get(event.pipeline_id)
        if pipeline is None or pipeline.version != event.seq - 1:
            pipeline = (
                Pipeline(event.pipeline_id) if event.seq == 1 else await self._load_at(event.pipeline_id, event.seq - 1)
            )
        pipeline.apply(event)
        self._working.put(pipeline)
        return pipeline

    async def _replay_to(self, pipeline_id: str, version: int) -> Pipeline:
        return Pipeline.replay((await self._store.read(pipeline_id))[:version])


def _row(pipeline: Pipeline) -> Mapping[str, Any]:
    sessions = sorted({c.session for c in pipeline.pending_candidates()})
    return dataclasses.asdict(summary(pipeline)) | {"sessions": sessions}
