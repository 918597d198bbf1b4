"""Read models fed by the global log, stored with the log position they include: their machinery, and the
pipeline summaries."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from operator import itemgetter
from typing import Any

from writeit.application.aggregates import AggregateCache
from writeit.application.ports import EventStore, LoggedEvent, ProjectionState, ProjectionStore, Row
from writeit.application.views import PipelineSummary, summary
from writeit.domain.pipeline import Pipeline

SUMMARIES = "summaries"
# Bump when a row's fields or their meaning change: a store holding another version rebuilds it by itself.
SUMMARIES_VERSION = 2  # 2: the cost and tokens include the judges'
_PAGE = 512  # events per transaction while catching up
_WORKING = 64  # aggregates kept warm while folding (and 32 MB); a cold one is loaded at the version needed

# Loads a pipeline as it was at a version (its events up to that seq), e.g. from a snapshot plus its tail.
LoadAt = Callable[[str, int], Awaitable[Pipeline]]
_FIELDS = {f.name for f in dataclasses.fields(PipelineSummary)}


class LogProjection:
    """Rows folded from the global log page by page, each page committed with its last position.

    Subclasses name the projection, give its version and turn a page into rows (`_page`), folding each event
    into the aggregate it touches (`_fold`, or `_before` and then `apply`). The rows always equal what the
    log up to the stored position makes: a crash loses only work to redo, a second process applying the
    same page first makes ours a no-op (`_forget` then drops what the subclass kept of the lost page).
    """

    name = ""
    version = 0

    def __init__(self, store: EventStore, projections: ProjectionStore, load_at: LoadAt | None = None) -> None:
        self._store = store
        self._projections = projections
        self._load_at = load_at or self._replay_to
        self._working = AggregateCache(_WORKING, 32 << 20)

    async def catch_up(self) -> int:
        """Apply every event after the stored position (rebuilding first if missing or outdated)."""
        self._forget()
        state = await self._current()
        while batch := await self._store.read_all(after=state.position, limit=_PAGE):
            rows = await self._page(batch)
            if await self._projections.commit(self.name, state, batch[-1].position, rows):
                state = ProjectionState(state.version, batch[-1].position)
            else:  # another process got there first: continue from where it left the rows
                self._working.clear()
                self._forget()
                state = await self._current()
        return state.position

    async def _page(self, batch: list[LoggedEvent]) -> Mapping[str, Row]:
        raise NotImplementedError

    def _forget(self) -> None:
        """Forget what a subclass keeps beside the rows (it reads them again): at each catch-up's start, when
        another writer moved the rows, and on a rebuild."""

    async def _current(self) -> ProjectionState:
        state = await self._projections.state(self.name)
        if state.version != self.version:
            await self._projections.reset(self.name, self.version)
            state = ProjectionState(self.version, 0)
            self._working.clear()
            self._forget()
        return state

    async def _fold(self, logged: LoggedEvent) -> Pipeline:
        pipeline = await self._before(logged)
        pipeline.apply(logged.event)
        self._working.put(pipeline)
        return pipeline

    async def _before(self, logged: LoggedEvent) -> Pipeline:
        """The event's pipeline just before it (the caller applies the event and puts the aggregate back)."""
        event = logged.event
        pipeline = self._working.get(event.pipeline_id)
        if pipeline is None or pipeline.version != event.seq - 1:
            pipeline = (
                Pipeline(event.pipeline_id) if event.seq == 1 else await self._load_at(event.pipeline_id, event.seq - 1)
            )
        return pipeline

    async def _replay_to(self, pipeline_id: str, version: int) -> Pipeline:
        return Pipeline.replay((await self._store.read(pipeline_id))[:version])


class SummaryProjection(LogProjection):
    """One row per pipeline: its PipelineSummary and the sessions running its pending candidates, as of the
    stored position."""

    name = SUMMARIES
    version = SUMMARIES_VERSION
    # The last listing (summaries, pending sessions) and the position it is of: the rows change only with the
    # position (one transaction), so one read serves the recovery on opening and the listings after it.
    _listed: tuple[int, list[PipelineSummary], dict[str, tuple[str, ...]]] | None = None

    async def _page(self, batch: list[LoggedEvent]) -> Mapping[str, Row]:
        return {pipeline.id: _row(pipeline) for pipeline in [await self._fold(logged) for logged in batch]}

    async def summaries(self) -> list[PipelineSummary]:
        """Every pipeline's summary, oldest first, as of the end of the log."""
        return list((await self._listing())[0])

    async def rows(self) -> list[Row]:
        await self.catch_up()
        return await self._sorted_rows()

    async def pending_sessions(self) -> dict[str, tuple[str, ...]]:
        """The pipelines with pending candidates, and the sessions that started them."""
        return dict((await self._listing())[1])

    async def _listing(self) -> tuple[list[PipelineSummary], dict[str, tuple[str, ...]]]:
        position = await self.catch_up()
        if self._listed is None or self._listed[0] != position:
            rows = await self._sorted_rows()
            rows.reverse()
            summaries, pending = [], {}
            while rows:  # each row freed once read: the rows and the summaries are never all held at once
                fields = dict(rows.pop())
                sessions = fields.pop("sessions", ())
                summaries.append(_summary(fields))
                if sessions:
                    pending[fields["id"]] = tuple(sessions)
            self._listed = position, summaries, pending
        return self._listed[1], self._listed[2]

    async def _sorted_rows(self) -> list[Row]:
        rows = await self._projections.rows(SUMMARIES)
        return sorted(rows, key=itemgetter("created_at", "id"))


def _summary(row: dict[str, Any]) -> PipelineSummary:
    """A row's summary: a row holds exactly its fields (those of this version: an older one is rebuilt), so the
    fields are passed as they are, 10,000 of them in a listing; only a row that holds others is filtered."""
    try:
        return PipelineSummary(**row)
    except TypeError:
        return PipelineSummary(**{k: v for k, v in row.items() if k in _FIELDS})


def _row(pipeline: Pipeline) -> Mapping[str, Any]:
    sessions = sorted({c.session for c in pipeline.pending_candidates()})
    return dataclasses.asdict(summary(pipeline)) | {"sessions": sessions}
