"""A process that has read a large store through LMDB does not keep the map's pages resident (they count in its
RSS: `writeit serve` held 226 MB of them after opening 1,000 pipelines)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest
from benchmarks.workload import pipeline_events

from writeit.adapters.lmdb import map_pages
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the release is Linux's madvise; elsewhere a no-op")


def resident_mb(path: Path) -> float:
    """Resident MB of this process's mappings of `path` (from /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line[:1].isdigit() or line[:1] in "abcdef":
            inside = line.rstrip().endswith(" " + str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total / 1024


async def test_reading_a_large_store_leaves_little_of_its_map_resident(tmp_path: Path) -> None:
    with contextlib.contextmanager(open_environment)(tmp_path) as env:
        store = LmdbEventStore(env)
        try:
            ids = [f"p{n}" for n in range(40)]
            for pid in ids:  # about 40 MB of events
                await store.append(pid, pipeline_events(pid, 400), expected_version=0)
            for _ in range(3):
                for pid in ids:
                    assert len(await store.read(pid)) == 400
            for _ in range(map_pages.EVERY):
                await store.version(ids[0])
            data = tmp_path / "data.mdb"
            assert data.stat().st_size > 30 << 20
            assert resident_mb(data) < 4, f"{resident_mb(data):.1f} MB of the map resident"
            assert [e.seq for e in await store.read(ids[-1])] == list(range(1, 401))  # readable as before
        finally:
            store.close()
