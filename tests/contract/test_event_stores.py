"""The EventStore contract run against the in-memory fake and LMDB, plus what only LMDB can show."""

from __future__ import annotations

import asyncio
import shutil
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

BEFORE_LOG = Path(__file__).parent.parent / "fixtures" / "store_before_log"


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


async def test_lmdb_positions_survive_reopening_and_continue_without_a_gap(tmp_path: Path) -> None:
    with lmdb_store(tmp_path) as (_, store):
        await store.append("b", stream("b", 3), 0)
    with lmdb_store(tmp_path) as (_, store):
        assert await store.last_position() == 3
        await store.append("a", stream("a", 2), 0)
        assert [(e.position, e.event.pipeline_id, e.event.seq) for e in await store.read_all()] == [
            (1, "b", 1), (2, "b", 2), (3, "b", 3), (4, "a", 1), (5, "a", 2),
        ]  # fmt: skip


async def test_a_store_written_before_the_global_log_gets_positions_once_in_the_order_of_its_history(
    tmp_path: Path,
) -> None:
    # data.mdb was written by the code of the commit before the log (see made_by.py.txt): appends b1-3, a1-2,
    # b4-5, c1, a3, one second apart.
    shutil.copytree(BEFORE_LOG, tmp_path / "old")
    with lmdb_store(tmp_path / "old") as (_, store):
        order = [(e.position, e.event.pipeline_id, e.event.seq) for e in await store.read_all()]
        assert [(p, s) for _, p, s in order] == [
            ("b", 1), ("b", 2), ("b", 3), ("a", 1), ("a", 2), ("b", 4), ("b", 5), ("c", 1), ("a", 3),
        ]  # fmt: skip
        assert [position for position, _, _ in order] == list(range(1, 10))
        assert await store.read("b") == [e.event for e in await store.read_all() if e.event.pipeline_id == "b"]
        await store.append("c", stream("c", 1, first=2), 1)
    with lmdb_store(tmp_path / "old") as (_, store):  # the backfill ran once: reopening adds nothing
        assert await store.last_position() == 10
        assert [e.event.pipeline_id for e in await store.read_all(after=8)] == ["a", "c"]


_APPEND_MANY = """
import asyncio, sys
from pathlib import Path
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from tests.contract.event_store_contract import stream

async def main(store, name):
    version = 0
    for _ in range(40):
        version = await store.append(name, stream(name, 3, first=version + 1), version)

for env in open_environment(Path(sys.argv[1])):
    store = LmdbEventStore(env)
    asyncio.run(main(store, sys.argv[2]))
    store.close()
"""


def test_writers_in_several_processes_get_gapless_positions_each_event_once(tmp_path: Path) -> None:
    with lmdb_store(tmp_path):  # created before the writers race to open it
        pass
    writers = [
        subprocess.Popen([sys.executable, "-c", _APPEND_MANY, str(tmp_path), f"w{n}"], cwd=Path(__file__).parents[2])
        for n in range(3)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]

    async def check() -> None:
        with lmdb_store(tmp_path) as (_, store):
            logged = await store.read_all(limit=1000)
            assert [e.position for e in logged] == list(range(1, 361))
            for n in range(3):
                assert [e.event for e in logged if e.event.pipeline_id == f"w{n}"] == await store.read(f"w{n}")

    asyncio.run(check())
