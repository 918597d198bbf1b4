"""Loads and saves Pipeline aggregates through the event store: from a snapshot plus the events after it,
kept warm in a bounded cache, and snapshotted every so many events."""

from __future__ import annotations

from writeit.application.aggregates import AggregateCache
from writeit.application.errors import AmbiguousPipelineIdError, PipelineNotFoundError, StoreError
from writeit.application.hub import StreamHub
from writeit.application.ids import check_pipeline_id
from writeit.application.ports import EventStore, ProjectionStore, SnapshotStore
from writeit.application.projections import SummaryProjection
from writeit.application.views import PipelineSummary, summary
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline

SNAPSHOT_EVERY = 256  # events: a load replays at most this many past the snapshot (plus what others appended)


class PipelineRepository:
    """Aggregates are cached and caught up with only the events stored since; a failed save evicts."""

    def __init__(
        self,
        store: EventStore,
        hub: StreamHub,
        projections: ProjectionStore | None = None,
        snapshots: SnapshotStore | None = None,
        *,
        cache: AggregateCache | None = None,
        snapshot_every: int = SNAPSHOT_EVERY,
    ) -> None:
        self._store = store
        self._hub = hub
        self._snapshots = snapshots
        self._cache = cache or AggregateCache()
        self._snapshot_every = snapshot_every
        self._snapshotted: dict[str, int] = {}  # the version of each pipeline's latest snapshot, as far as we know
        self.projection = SummaryProjection(store, projections, self.load_at) if projections is not None else None

    async def load(self, pipeline_id: str) -> Pipeline:
        cached = self._cache.get(pipeline_id)
        if cached is None:
            cached = await self._load_cold(pipeline_id)
        else:
            events = await self._store.read(pipeline_id, after=cached.version)
            for event in events:
                cached.apply(event)
            self._hub.publish_events(events)  # others' events, sent before any this process stores next
        self._cache.put(cached)
        return cached

    async def load_at(self, pipeline_id: str, version: int) -> Pipeline:
        """A new aggregate (never the cached one) as of `version`: from a snapshot when one is at or before it."""
        snapshot = await self._snapshot(pipeline_id)
        if snapshot is None or snapshot.version > version:
            return Pipeline.replay((await self._store.read(pipeline_id))[:version])
        for event in (await self._store.read(pipeline_id, after=snapshot.version))[: version - snapshot.version]:
            snapshot.apply(event)
        return snapshot

    async def save(self, pipeline: Pipeline) -> list[Event]:
        """Append the aggregate's new events with its version as expected; publish them once stored."""
        events = pipeline.collect()
        if not events:
            return []
        try:
            await self._store.append(pipeline.id, events, expected_version=events[0].seq - 1)
        except BaseException:
            # The aggregate already applied events the store refused: forget it, the store is the truth.
            self._cache.pop(pipeline.id)
            raise
        self._cache.put(pipeline)
        self._hub.publish_events(events)
        await self._maybe_snapshot(pipeline)
        return events

    async def exists(self, pipeline_id: str) -> bool:
        return await self._store.version(pipeline_id) > 0

    async def append_all(self, pipeline_id: str, events: list[Event]) -> None:
        """Store a whole stream at once (an import): all of it, or nothing if the id is taken meanwhile."""
        await self._store.append(pipeline_id, events, expected_version=0)
        self._hub.publish_events(events)

    def forget(self, pipeline_id: str) -> None:
        self._cache.pop(pipeline_id)

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
        check_pipeline_id(prefix)
        if await self._store.version(prefix) > 0:
            return prefix
        matches = [pid for pid in await self._store.pipeline_ids() if pid.startswith(prefix)] if prefix else []
        if not matches:
            raise PipelineNotFoundError(prefix)
        if len(matches) > 1:
            raise AmbiguousPipelineIdError(prefix, matches)
        return matches[0]

    async def _load_cold(self, pipeline_id: str) -> Pipeline:
        snapshot = await self._snapshot(pipeline_id)
        events = await self._store.read(pipeline_id, after=snapshot.version if snapshot else 0)
        self._hub.publish_caught_up(events)
        if snapshot is None:
            if not events:
                raise PipelineNotFoundError(pipeline_id)
            return Pipeline.replay(events)
        for event in events:
            snapshot.apply(event)
        return snapshot

    async def _snapshot(self, pipeline_id: str) -> Pipeline | None:
        """The pipeline's snapshot, unless there is none or it is ahead of the store (a store put back)."""
        snapshot = await self._snapshots.load(pipeline_id) if self._snapshots is not None else None
        if snapshot is None or snapshot.version > await self._store.version(pipeline_id):
            return None
        self._snapshotted[pipeline_id] = snapshot.version
        return snapshot

    async def _maybe_snapshot(self, pipeline: Pipeline) -> None:
        if self._snapshots is None or pipeline.version - self._snapshotted.get(pipeline.id, 0) < self._snapshot_every:
            return
        try:
            await self._snapshots.save(pipeline)
        except StoreError:
            return  # only a shortcut for loading: the events are stored, the next save tries again
        self._snapshotted[pipeline.id] = pipeline.version
