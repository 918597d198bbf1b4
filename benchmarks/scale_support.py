"""Helpers of benchmarks/scale.py: building stores through the real code, measuring processes, the reference
store without the global log."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import lmdb

from benchmarks.workload import pipeline_events
from writeit.adapters.lmdb.codec import decode
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import _HEAD, _U64, LmdbEventStore, _Append, _next_order, _unpack_head
from writeit.adapters.lmdb.projection_store import LmdbProjectionStore
from writeit.adapters.lmdb.snapshots import FORMAT, LmdbSnapshotStore, code_digest
from writeit.application.errors import VersionConflictError
from writeit.application.hub import StreamHub
from writeit.application.projections import SUMMARIES_VERSION
from writeit.application.repository import SNAPSHOT_EVERY, PipelineRepository
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline


def store_path() -> Path:
    from writeit.entrypoints.settings import Settings

    return Settings.load().store_path


# What decides the bytes of a built store: the workload, the domain's code (snapshots key on it too), the
# LMDB layout and the formats of the snapshots and the summaries. A change to any of them builds a new store.
_FORMAT_SOURCES = ("benchmarks/workload.py", "src/adapters/lmdb/event_store.py", "src/adapters/lmdb/log.py",
                   "src/adapters/lmdb/codec.py", "src/adapters/lmdb/projection_store.py")  # fmt: skip
_ROOT = Path(__file__).resolve().parent.parent


def format_key() -> str:
    digest = hashlib.sha256(f"{FORMAT}/{SUMMARIES_VERSION}/{code_digest()}".encode())
    for name in _FORMAT_SOURCES:
        digest.update((_ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    """Where built stores are kept across runs (WRITEIT_BENCH_CACHE, else ~/.cache/writeit-bench)."""
    return Path(os.environ.get("WRITEIT_BENCH_CACHE") or Path.home() / ".cache" / "writeit-bench")


@contextlib.contextmanager
def compiled_bytecode() -> Iterator[None]:
    """Commands started meanwhile write and read their bytecode in the cache (never in the source tree)."""
    saved = {k: os.environ.get(k) for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache_dir() / "pycache")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cached_store(path: Path, count: int, per: int) -> tuple[float, float, bool]:
    """A store of `count` × `per` copied to `path` from the cache, built there first if missing (or made by
    other formats). Returns (seconds to build, to project: as measured when it was built) and whether it was
    built by this run. The copy is the run's own: what the run writes never reaches the cache."""
    built = cache_dir() / f"{format_key()}-{count}x{per}"
    if not (built / "built.txt").exists():
        shutil.rmtree(built, ignore_errors=True)
        figures = build_store(built / "store", count, per)
        (built / "built.txt").write_text(f"{figures[0]} {figures[1]}\n")
        fresh = True
    else:
        fresh = False
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built / "store", path)
    seconds, projected = (float(x) for x in (built / "built.txt").read_text().split())
    return seconds, projected, fresh


def build_store(path: Path, count: int, per: int) -> tuple[float, float]:
    """`count` pipelines of `per` events (the real aggregate's), appended 50 at a time; then the summaries
    projection caught up through its real code. Returns (seconds to build, seconds to project)."""
    with contextlib.contextmanager(open_environment)(path, 1 << 30) as env:
        store = LmdbEventStore(env)
        try:
            start = time.perf_counter()
            asyncio.run(_append_pipelines(store, count, per))
            built = time.perf_counter() - start
            repo = PipelineRepository(store, StreamHub(), LmdbProjectionStore(env), LmdbSnapshotStore(env))
            assert repo.projection is not None
            start = time.perf_counter()
            asyncio.run(repo.projection.catch_up())
            return built, time.perf_counter() - start
        finally:
            store.close()


async def _append_pipelines(store: LmdbEventStore, count: int, per: int) -> None:
    for first in range(0, count, 50):
        batch = [pipeline_events(f"pipe-{n:05d}", per) for n in range(first, min(count, first + 50))]
        await asyncio.gather(*(store.append(events[0].pipeline_id, events, 0) for events in batch))


async def build_long(env: lmdb.Environment, store: LmdbEventStore, pipeline_id: str, count: int) -> int:
    """A `count`-event pipeline, snapshotted where the repository last would have (every SNAPSHOT_EVERY)."""
    events = pipeline_events(pipeline_id, count)
    for first in range(0, count, 2000):
        await store.append(pipeline_id, events[first : first + 2000], first)
    at = (count - 1) // SNAPSHOT_EVERY * SNAPSHOT_EVERY
    await LmdbSnapshotStore(env).save(Pipeline.replay(events[:at]))
    return at


def raw_scan(env: lmdb.Environment, pipeline_id: bytes, after: int, *, decoded: bool = False) -> float:
    """Seconds to read the pipeline's stored values after seq `after` with a bare cursor: as bytes, or `decoded`
    into events by the store's codec (the least any load of those events costs)."""
    prefix = pipeline_id + b"\x00"
    db = env.open_db(b"events")
    start = time.perf_counter()
    with env.begin(db=db) as txn:
        cursor = txn.cursor()
        cursor.set_range(prefix + _U64.pack(after + 1))
        values = []
        for key, value in cursor:
            if not key.startswith(prefix):
                break
            values.append(decode(value) if decoded else value)
    return time.perf_counter() - start


# Runs the command from a small interpreter: a child's peak RSS (wait4) counts the pages it shared with its
# parent at fork, and the benchmark's own process is large by then.
_MEASURE = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
out = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
sys.stdout.buffer.write(out)
print(f"\\nMEASURED {time.perf_counter() - start} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_measured(argv: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of a command run to its end."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, check=True)
    out, _, last = done.stdout.rstrip("\n").rpartition("\n")
    _, wall, rss, code = last.split()
    assert code == "0", f"{argv} exited {code}"
    return float(wall), int(rss) / 1024, out


def rss_mb(pid: int) -> dict[str, float]:
    """VmRSS, RssAnon (the process's own memory) and RssFile (mapped file pages: LMDB's map) in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


class WithoutLog(LmdbEventStore):
    """The store as it was before the global log (same group commit, no position written): the reference."""

    def _apply_all(self, batch: list[_Append], txn: lmdb.Transaction[bytes]) -> list[int | BaseException]:
        return [self._apply_without_log(txn, pending) for pending in batch]

    def _apply_without_log(self, txn: lmdb.Transaction[bytes], pending: _Append) -> int | BaseException:
        key = pending.pipeline_id.encode()
        head = txn.get(key, db=self._heads)
        actual, order = _unpack_head(head)
        if actual != pending.expected:
            return VersionConflictError(pending.pipeline_id, pending.expected, actual)
        for seq, value in enumerate(pending.values, start=actual + 1):
            txn.put(key + b"\x00" + _U64.pack(seq), value, db=self._events)
        if head is None:
            order = _next_order(txn, self._order)
            txn.put(_U64.pack(order), key, db=self._order)
        version = actual + len(pending.values)
        txn.put(key, _HEAD.pack(version, order), db=self._heads)
        return version


def append_rate(cls: type[LmdbEventStore], writers: int, per: int) -> float:
    """Events a second, `writers` pipelines each appending `per` events one durable append at a time."""
    streams = [pipeline_events(f"w{n:03d}", per) for n in range(writers)]

    async def write(store: LmdbEventStore) -> None:
        async def one(events: list[Event]) -> None:
            for event in events:
                await store.append(event.pipeline_id, [event], event.seq - 1)

        await asyncio.gather(*(one(list(events)) for events in streams))

    with tempfile.TemporaryDirectory() as tmp, contextlib.contextmanager(open_environment)(Path(tmp)) as env:
        store = cls(env)
        try:
            start = time.perf_counter()
            asyncio.run(write(store))
            return writers * per / (time.perf_counter() - start)
        finally:
            store.close()
