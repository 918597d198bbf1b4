"""Loads and saves Pipeline aggregates through the event store, keeping replayed aggregates warm."""

from __future__ import annotations

from writeit.application.errors import AmbiguousPipelineIdError, PipelineNotFoundError
from writeit.application.hub import StreamHub
from writeit.application.ids import check_pipeline_id
from writeit.application.ports import EventStore
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline


class PipelineRepository:
    """Aggregates are cached and caught up with only the events stored since; a failed save evicts."""

    def __init__(self, store: EventStore, hub: StreamHub) -> None:
        self._store = store
        self._hub = hub
        self._cache: dict[str, Pipeline] = {}

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
