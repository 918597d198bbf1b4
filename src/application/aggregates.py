"""A bounded cache of Pipeline aggregates: at most so many, and about so many bytes, least recently used out."""

from __future__ import annotations

from collections import OrderedDict

from writeit.domain.pipeline import Pipeline

_OVERHEAD = 1024  # a pipeline's own objects: branches, steps, dicts
_PER_CANDIDATE = 512  # a candidate's fields and containers, beyond its texts


def approximate_size(pipeline: Pipeline) -> int:
    """Bytes the aggregate holds, roughly: its texts (one byte a character, as for mostly ASCII) and overheads."""
    texts = sum(len(c.text) + len(c.prompt) + len(c.system) for c in pipeline.candidates.values())
    return _OVERHEAD + len(pipeline.template_text) + texts + _PER_CANDIDATE * len(pipeline.candidates)


class AggregateCache:
    """LRU by count and approximate size; one aggregate bigger than the whole budget is simply not kept."""

    def __init__(self, max_count: int = 64, max_bytes: int = 64 << 20) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[Pipeline, int]] = OrderedDict()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, pipeline_id: str) -> Pipeline | None:
        entry = self._entries.get(pipeline_id)
        if entry is None:
            return None
        self._entries.move_to_end(pipeline_id)
        return entry[0]

    def put(self, pipeline: Pipeline) -> None:
        """Keep (or re-measure, after it changed) the aggregate, evicting the least recently used."""
        self.pop(pipeline.id)
        size = approximate_size(pipeline)
        if size > self.max_bytes:
            return
        self._entries[pipeline.id] = (pipeline, size)
        self.size += size
        while len(self._entries) > self.max_count or self.size > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.size -= evicted

    def pop(self, pipeline_id: str) -> None:
        entry = self._entries.pop(pipeline_id, None)
        if entry is not None:
            self.size -= entry[1]
