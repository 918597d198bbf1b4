"""kill -9 in the middle of group-committed appends: every append that was acknowledged is there afterwards."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from tests.contract.test_event_stores import lmdb_store
from writeit.domain.events import FeedbackGiven

# Heavier under `make test-heavy` (WRITEIT_HEAVY=1); a handful of kills in `make test`.
KILLS = 40 if os.environ.get("WRITEIT_HEAVY") else 5
PIPELINES = 4

# Appends to PIPELINES pipelines at once (so commits are grouped), one to three events per append, and prints
# "<pipeline> <version>" only once the append has returned, that is, once it is acknowledged.
_WRITER = """
import asyncio, sys
from pathlib import Path
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.domain.events import FeedbackGiven

async def pipeline(store, pid, size):
    version = await store.version(pid)
    while True:
        events = [
            FeedbackGiven(pipeline_id=pid, seq=seq, at="2026-01-01T00:00:00+00:00", branch="main", step="s",
                          text=f"{pid}/{seq} " + "x" * size)
            for seq in range(version + 1, version + 2 + version % 3)
        ]
        version = await store.append(pid, events, version)
        sys.stdout.write(f"{pid} {version}\\n")
        sys.stdout.flush()

async def main(store):
    await asyncio.gather(*(pipeline(store, f"p{i}", 200 * i) for i in range(int(sys.argv[2]))))

for env in open_environment(Path(sys.argv[1])):
    print("ready", flush=True)
    asyncio.run(main(LmdbEventStore(env)))
"""


def _acknowledged(lines: list[str], acked: dict[str, int]) -> None:
    for line in lines:
        pipeline_id, _, version = line.strip().partition(" ")
        if version.isdigit():
            acked[pipeline_id] = max(acked.get(pipeline_id, 0), int(version))


def _write_then_kill(path: Path, rng: random.Random, acked: dict[str, int]) -> None:
    """Start the writer, let it acknowledge a random number of appends, SIGKILL it, and record what it acked."""
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), str(PIPELINES)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    try:
        assert writer.stdout.readline().strip() == "ready"
        lines = [writer.stdout.readline() for _ in range(rng.randint(1, 300))]
        time.sleep(rng.random() / 200)  # lands the kill anywhere in a commit, not right after an ack
    finally:
        writer.send_signal(signal.SIGKILL)
        # What it printed before dying was acknowledged too: the pipe keeps it after the process is gone.
        lines += writer.stdout.read().splitlines()
        writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL
    _acknowledged(lines, acked)


async def _check(path: Path, acked: dict[str, int]) -> None:
    with lmdb_store(path) as (_, store):
        for pipeline_id, version in acked.items():
            events = await store.read(pipeline_id)
            assert await store.version(pipeline_id) == len(events) >= version, pipeline_id
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert all(isinstance(e, FeedbackGiven) and e.text.startswith(f"{pipeline_id}/{e.seq} ") for e in events)


def kill_9_repeatedly(path: Path, check: Callable[[Path, dict[str, int]], Coroutine[Any, Any, None]]) -> dict[str, int]:
    """KILLS rounds of writing to the store at `path` until kill -9, each followed by `check(path, acknowledged)`;
    returns the versions acknowledged (a failed check names its round and the seed that replays it)."""
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    acked: dict[str, int] = {}
    for kill in range(KILLS):
        _write_then_kill(path, rng, acked)
        try:
            asyncio.run(check(path, acked))
        except AssertionError as exc:
            raise AssertionError(f"after kill {kill + 1} (seed {seed}): {exc}") from exc
    return acked


@pytest.mark.slow
def test_every_acknowledged_append_survives_kill_9_and_the_store_stays_readable(tmp_path: Path) -> None:
    acked = kill_9_repeatedly(tmp_path / "store", _check)
    assert len(acked) == PIPELINES
    assert sum(acked.values()) > KILLS


def test_the_store_commits_durably_before_it_acknowledges(tmp_path: Path) -> None:
    # kill -9 cannot tell a flushed commit from one in the page cache; a power cut can. LMDB flushes the data
    # pages, then writes and flushes the meta page, inside every commit, unless told not to: check it is not.
    with lmdb_store(tmp_path) as (env, _):
        flags = env.flags()
    assert flags["sync"]
    assert flags["metasync"]
    assert not flags["writemap"]
