"""Loads and saves Pipeline aggregates through the event store, keeping replayed aggregates warm."""

from __future__ import annotations

from writeit.application.errors import AmbiguousPipelineIdError, PipelineNotFoundError
from writeit.application.hub import StreamHub
from writeit.application.ports import EventStore, ProjectionStore
from writeit.application.projections import SummaryProjection
from writeit.application.views import PipelineSummary, summary
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline


class PipelineRepository:
    """Aggregates are cached and caught up with only the events stored since; a failed save evicts."""

    def __init__(self, store: EventStore, hub: StreamHub, projections: ProjectionStore | None = None) -> None:
        self._store = store
        self._hub = hub
        self._cache: dict[str, Pipeline] = {}
        self.projection = SummaryProjection(store, projections) if projections is not None else None

    async def load(self, pipeline_id: str) -> Pipeline:
        cached = self._cache.get(pipeline_id)
        after = cached.version if cached is not None else 0
        events = await self._store.read(pipeline_id, after=after)
        if cached is None:
            if not events:
                raise PipelineNotFoundError(pipeline_id)
            cached = Pipeline.replay(events)
            self._cache[pipeline_id] = cached
        else:
            for event in events:
                cached.apply(event)
        return cached

    async def save(self, pipeline: Pipeline) -> list[Event]:
        """Append the aggregate's new events with its version as expected; publish them once stored."""
        events = pipeline.collect()
        if not events:
            return []
        try:
            await self._store.append(pipeline.id, events, expected_version=events[0].seq - 1)
        except BaseException:
            # The aggregate already applied events the store refused: forget it, the store is the truth.
            self._cache.pop(pipeline.id, None)
            raise
        self._cache[pipeline.id] = pipeline
        self._hub.publish_events(events)
        return events

    async def exists(self, pipeline_id: str) -> bool:
        return await self._store.version(pipeline_id) > 0

    async def append_all(self, pipeline_id: str, events: list[Event]) -> None:
        """Store a whole stream at once (an import): all of it, or nothing if the id is taken meanwhile."""
        await self._store.append(pipeline_id, events, expected_version=0)
        self._hub.publish_events(events)

    def forget(self, pipeline_id: str) -> None:
        self._cache.pop(pipeline_id, None)

    async def summaries(self) -> list[PipelineSummary]:
        """Every pipeline's summary, oldest first: read from the projection (replayed only when there is none)."""
        if self.projection is not None:
            return await self.projection.summaries()
        return [summary(await self.load(pid)) for pid in await self.ids()]

    async def pending_sessions(self) -> dict[str, tuple[str, ...]]:
        """The pipelines with pending candidates, and the sessions that started them."""
        if self.projection is not None:
            return await self.projection.pending_sessions()
        pending = {pid: {c.session for c in (await self.load(pid)).pending_candidates()} for pid in await self.ids()}
        return {pid: tuple(sorted(sessions)) for pid, sessions in pending.items() if sessions}

    async def ids(self) -> list[str]:
        return await self._store.pipeline_ids()

    async def events(self, pipeline_id: str, after: int = 0) -> list[Event]:
        return await self._store.read(pipeline_id, after=after)

    async def resolve_id(self, prefix: str) -> str:
        """Accept a full id or a unique prefix of one (as the CLI shows short ids)."""
        if await self._store.version(prefix) > 0:
            return prefix
        matches = [pid for pid in await self._store.pipeline_ids() if pid.startswith(prefix)] if prefix else []
        if not matches:
            raise PipelineNotFoundError(prefix)
        if len(matches) > 1:
            raise AmbiguousPipelineIdError(prefix, matches)
        return matches[0]
