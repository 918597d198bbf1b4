"""kill -9 while pipelines are appended and the summaries projection catches up: it is never behind or ahead of
the events it says it includes, and catching up afterwards equals a replay of every pipeline."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.contract.test_event_stores import lmdb_store
from writeit.adapters.lmdb.projection_store import LmdbProjectionStore
from writeit.application.ports import LoggedEvent
from writeit.application.projections import SUMMARIES, SUMMARIES_VERSION, SummaryProjection
from writeit.application.views import summary
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline

KILLS = 4

# Three pipelines appended to at once while a fourth task catches the projection up in a loop.
_CHILD = """
import asyncio, sys
from pathlib import Path
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.lmdb.projection_store import LmdbProjectionStore
from writeit.application.projections import SummaryProjection
from writeit.domain.events import FeedbackGiven
from tests.contract.event_store_contract import started

async def pipeline(store, pid):
    version = await store.version(pid)
    if version == 0:
        version = await store.append(pid, [started(pid)], 0)
    while True:
        events = [FeedbackGiven(pipeline_id=pid, seq=seq, at=f"2026-01-01T00:{seq // 60 % 60:02}:{seq % 60:02}+00:00",
                                branch="main", step="outline", text=f"{pid}/{seq}")
                  for seq in range(version + 1, version + 3)]
        version = await store.append(pid, events, version)

async def project(projection):
    while True:
        position = await projection.catch_up()
        print(f"projected {position}", flush=True)
        await asyncio.sleep(0)

async def main(store, projection):
    await asyncio.gather(*(pipeline(store, f"p{n}") for n in range(3)), project(projection))

for env in open_environment(Path(sys.argv[1])):
    store = LmdbEventStore(env)
    print("ready", flush=True)
    asyncio.run(main(store, SummaryProjection(store, LmdbProjectionStore(env))))
"""


def _run_then_kill(path: Path, rng: random.Random) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        for _ in range(rng.randint(2, 30)):
            child.stdout.readline()
        time.sleep(rng.random() / 100)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)


def _as_of(events_by_position: Sequence[LoggedEvent], position: int) -> list[dict[str, object]]:
    streams: dict[str, list[Event]] = {}
    for logged in events_by_position[:position]:
        streams.setdefault(logged.event.pipeline_id, []).append(logged.event)
    return sorted(
        (dataclasses.asdict(summary(Pipeline.replay(events))) for events in streams.values()),
        key=lambda r: (r["created_at"], r["id"]),
    )


async def _check(path: Path) -> int:
    with lmdb_store(path) as (env, store):
        projections = LmdbProjectionStore(env)
        state = await projections.state(SUMMARIES)
        logged = await store.read_all(limit=1 << 30)
        assert state.version in (0, SUMMARIES_VERSION)
        assert state.position <= len(logged), "the projection is ahead of the log"
        rows = [{k: v for k, v in row.items() if k != "sessions"} for row in await projections.rows(SUMMARIES)]
        assert sorted(rows, key=lambda r: (r["created_at"], r["id"])) == _as_of(logged, state.position)
        projection = SummaryProjection(store, projections)
        assert await projection.catch_up() == len(logged)
        assert [dataclasses.asdict(s) for s in await projection.summaries()] == _as_of(logged, len(logged))
        return state.position


def test_after_kill_9_the_projection_holds_exactly_the_events_up_to_its_position(tmp_path: Path) -> None:
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    positions = []
    for kill in range(KILLS):
        _run_then_kill(tmp_path / "store", rng)
        try:
            positions.append(asyncio.run(_check(tmp_path / "store")))
        except AssertionError as exc:
            raise AssertionError(f"after kill {kill + 1} (seed {seed}): {exc}") from exc
    assert positions[-1] > 0
