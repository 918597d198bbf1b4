"""An in-memory SnapshotStore for unit tests: deep copies, so a saved snapshot never shares state."""

from __future__ import annotations

import copy

from writeit.domain.pipeline import Pipeline


class InMemorySnapshotStore:
    def __init__(self) -> None:
        self._snapshots: dict[str, Pipeline] = {}

    async def load(self, pipeline_id: str) -> Pipeline | None:
        snapshot = self._snapshots.get(pipeline_id)
        return copy.deepcopy(snapshot) if snapshot is not None else None

    async def save(self, pipeline: Pipeline) -> None:
        kept = copy.deepcopy(pipeline)
        kept.pending = []
        self._snapshots[pipeline.id] = kept
