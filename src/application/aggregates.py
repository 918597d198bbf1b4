"""A bounded cache of Pipeline aggregates: at most so many, and about so many bytes, least recently used out."""

from __future__ import annotations

from collections import OrderedDict

from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Candidate

_OVERHEAD = 1024  # a pipeline's own objects: branches, steps, dicts
_PER_CANDIDATE = 512  # a candidate's fields and containers, beyond its texts
_PER_EVENT = 1024  # the guess for events applied since the aggregate was last measured


def approximate_size(pipeline: Pipeline) -> int:
    """Bytes the aggregate holds, roughly: its texts (one byte a character, as for mostly ASCII) and overheads.

    Candidates a snapshot load left encoded (a lazy map, with `measure`) count their encoded bytes, which hold
    the same texts: measuring must not decode them.
    """
    candidates = pipeline.candidates
    measure = getattr(candidates, "measure", None)
    texts = measure(_texts) if measure is not None else sum(_texts(c) for c in candidates.values())
    return _OVERHEAD + len(pipeline.template_text) + int(texts) + _PER_CANDIDATE * len(candidates)


def _texts(c: Candidate) -> int:
    return len(c.text) + len(c.prompt) + len(c.system)


class _Entry:
    __slots__ = ("base", "measured", "pipeline", "size")

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.measured = pipeline.version  # the version `base` was measured at
        self.base = self.size = approximate_size(pipeline)


class AggregateCache:
    """LRU by count and approximate size; one aggregate bigger than the whole budget is simply not kept.

    Measuring walks the candidates, so an aggregate put back after a few more events is not measured again
    until it grew by an eighth (or 32 events): meanwhile each event counts as a kilobyte (amortised O(1) per put).
    """

    def __init__(self, max_count: int = 64, max_bytes: int = 64 << 20) -> None:
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, pipeline_id: str) -> Pipeline | None:
        entry = self._entries.get(pipeline_id)
        if entry is None:
            return None
        self._entries.move_to_end(pipeline_id)
        return entry.pipeline

    def put(self, pipeline: Pipeline) -> None:
        """Keep (or account for the growth of) the aggregate, evicting the least recently used."""
        entry = self._entries.pop(pipeline.id, None)
        if entry is not None:
            self.size -= entry.size
        if (
            entry is None
            or entry.pipeline is not pipeline
            or pipeline.version - entry.measured > max(32, entry.measured // 8)
        ):
            entry = _Entry(pipeline)
        else:
            entry.size = entry.base + (pipeline.version - entry.measured) * _PER_EVENT
        if entry.size > self.max_bytes:
            return
        self._entries[pipeline.id] = entry
        self.size += entry.size
        while len(self._entries) > self.max_count or self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= evicted.size

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def pop(self, pipeline_id: str) -> None:
        entry = self._entries.pop(pipeline_id, None)
        if entry is not None:
            self.size -= entry.size
