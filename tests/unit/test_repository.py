"""The repository: a bounded aggregate cache, and long pipelines loaded from a snapshot plus the events after it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.test_snapshot_stores import state_of
from tests.unit.builders import Clock, generate, started
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.adapters.memory.snapshots import InMemorySnapshotStore
from writeit.application import aggregates
from writeit.application.aggregates import AggregateCache, approximate_size
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository
from writeit.domain.pipeline import Pipeline


class CountingStore(InMemoryEventStore):
    def __init__(self) -> None:
        super().__init__()
        self.read_after: list[int] = []

    async def read(self, pipeline_id: str, after: int = 0) -> list[Any]:
        self.read_after.append(after)
        return await super().read(pipeline_id, after)


async def _long_pipeline(repo: PipelineRepository, rounds: int) -> Pipeline:
    clock = Clock()
    p = started(clock)
    await repo.save(p)
    for n in range(rounds):
        p.give_feedback("angles", f"feedback {n}", clock())
        await repo.save(p)
    return p


def test_the_cache_keeps_at_most_its_count_least_recently_used_out() -> None:
    cache = AggregateCache(max_count=2)
    a, b, c = Pipeline("a"), Pipeline("b"), Pipeline("c")
    cache.put(a)
    cache.put(b)
    assert cache.get("a") is a  # now b is the least recently used
    cache.put(c)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (a, None, c)


def test_the_cache_keeps_at_most_about_its_byte_budget_and_never_one_aggregate_bigger_than_it() -> None:
    bigs = []
    for name in "abc":
        clock = Clock()
        big = started(clock)
        big.id = name
        generate(big, "angles", clock, n=4, text="x" * 10_000)
        bigs.append(big)
    size = approximate_size(bigs[0])
    assert size > 40_000
    cache = AggregateCache(max_count=100, max_bytes=size * 2 + 10)
    for big in bigs:
        cache.put(big)
    assert cache.size <= cache.max_bytes
    assert [cache.get(name) for name in "abc"] == [None, bigs[1], bigs[2]]
    tiny = AggregateCache(max_bytes=size - 1)
    tiny.put(bigs[0])
    assert len(tiny) == 0
    assert tiny.size == 0


async def test_a_long_pipeline_is_snapshotted_every_n_events_and_loads_from_it_plus_its_tail() -> None:
    store, snapshots = CountingStore(), InMemorySnapshotStore()
    repo = PipelineRepository(store, StreamHub(), snapshots=snapshots, snapshot_every=10)
    p = await _long_pipeline(repo, 25)  # 26 events: snapshots at 10 and 20 (saved one by one)
    snapshot = await snapshots.load(p.id)
    assert snapshot is not None
    assert snapshot.version == 20
    cold = PipelineRepository(store, StreamHub(), snapshots=snapshots, snapshot_every=10)
    store.read_after.clear()
    loaded = await cold.load(p.id)
    assert store.read_after == [20], "only the events after the snapshot are read"
    assert state_of(loaded) == state_of(Pipeline.replay(await store.read(p.id)))


async def test_a_snapshot_ahead_of_the_store_is_not_used() -> None:
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = PipelineRepository(store, StreamHub(), snapshots=snapshots, snapshot_every=5)
    p = await _long_pipeline(repo, 6)
    ahead = Pipeline.replay(await store.read(p.id))
    ahead.version = 99
    await snapshots.save(ahead)
    cold = PipelineRepository(store, StreamHub(), snapshots=snapshots)
    assert (await cold.load(p.id)).version == 7


async def test_loading_at_a_version_gives_a_new_aggregate_as_of_that_version() -> None:
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = PipelineRepository(store, StreamHub(), snapshots=snapshots, snapshot_every=4)
    p = await _long_pipeline(repo, 9)
    events = await store.read(p.id)
    for version in (1, 3, 4, 6, 10):
        at = await repo.load_at(p.id, version)
        assert at is not await repo.load(p.id)
        assert state_of(at) == state_of(Pipeline.replay(events[:version]))


def test_an_aggregate_put_back_is_measured_again_only_once_it_grew_by_an_eighth_or_32_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    measured: list[int] = []
    real = aggregates.approximate_size

    def measuring(p: Pipeline) -> int:
        measured.append(p.version)
        return real(p)

    monkeypatch.setattr(aggregates, "approximate_size", measuring)
    clock = Clock()
    p = started(clock)
    cache = AggregateCache()
    for n in range(40):
        generate(p, "angles", clock, n=1) if n == 0 else p.give_feedback("angles", f"f{n}", clock())
        cache.put(p)
    assert len(measured) < 12, "not re-measured on every put"
    assert cache.size >= real(p) - 1024 * 8
