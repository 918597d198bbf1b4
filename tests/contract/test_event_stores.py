"""The EventStore contract run against the in-memory fake and LMDB, plus what only LMDB can show."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lmdb
import pytest

from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.application.errors import StoreError

from .event_store_contract import EventStoreContract, completed, stream


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryEventStore:
        return InMemoryEventStore()


class TestLmdbEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[LmdbEventStore]:
        with lmdb_store(tmp_path / "env") as (_, store):
            yield store


@contextmanager
def lmdb_store(path: Path, map_size: int = 1 << 30) -> Iterator[tuple[lmdb.Environment, LmdbEventStore]]:
    """An environment and a store on it, both closed at the end."""
    with contextmanager(open_environment)(path, map_size) as env:
        store = LmdbEventStore(env)
        try:
            yield env, store
        finally:
            store.close()


async def test_lmdb_events_survive_reopening_in_a_new_environment(tmp_path: Path) -> None:
    with lmdb_store(tmp_path) as (_, store):
        await store.append("b", stream("b", 3), 0)
        await store.append("a", stream("a", 1), 0)
    with lmdb_store(tmp_path) as (_, store):
        assert await store.read("b") == stream("b", 3)
        assert await store.pipeline_ids() == ["b", "a"]
        assert await store.append("b", stream("b", 1, first=4), 3) == 4
        await store.append("c", stream("c", 1), 0)
        assert await store.pipeline_ids() == ["b", "a", "c"]


async def test_a_full_map_is_grown_and_the_write_succeeds(tmp_path: Path) -> None:
    with lmdb_store(tmp_path, map_size=64 << 10) as (env, store):
        events = [*stream("p1", 1), completed("p1", 2, "x" * (1 << 20))]
        assert await store.append("p1", events, 0) == 2
        assert env.info()["map_size"] > 1 << 20
        assert await store.read("p1") == events


_GROW_ELSEWHERE = """
from pathlib import Path
import asyncio
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.domain.events import FeedbackGiven

async def main(store):
    event = FeedbackGiven(pipeline_id="other", seq=1, at="now", branch="main", step="s", text="y" * (4 << 20))
    await store.append("other", [event], 0)

for env in open_environment(Path({path!r}), map_size=32 << 20):
    store = LmdbEventStore(env)
    asyncio.run(main(store))
    store.close()
"""


async def test_a_map_grown_by_another_process_is_adopted(tmp_path: Path) -> None:
    with lmdb_store(tmp_path, map_size=1 << 20) as (env, store):
        await store.append("mine", stream("mine", 1), 0)
        script = textwrap.dedent(_GROW_ELSEWHERE).format(path=str(tmp_path))
        await asyncio.to_thread(subprocess.run, [sys.executable, "-c", script], check=True)
        assert await store.version("other") == 1
        assert env.info()["map_size"] == 32 << 20
        assert await store.append("mine", stream("mine", 1, first=2), 1) == 2
        assert await store.pipeline_ids() == ["mine", "other"]


async def test_lmdb_failures_become_store_errors(tmp_path: Path) -> None:
    with lmdb_store(tmp_path) as (env, store):
        await store.append("p1", stream("p1", 1), 0)
        store.close()
        with pytest.raises(StoreError, match="closed"):
            await store.append("p1", stream("p1", 1, first=2), 1)
        env.close()
        with pytest.raises(StoreError, match="store failed"):
            await store.read("p1")
