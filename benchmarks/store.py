"""Items 1, 2 and storage: durable appends, replay of a 10k-event pipeline, bytes stored per pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sqlite3
import statistics
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import lmdb

from benchmarks.common import Row, at_least, at_most, main, median_of, scaled
from benchmarks.scale_support import raw_scan
from benchmarks.workload import encoded, payload_bytes, pipeline_events
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline

_SEQ = struct.Struct(">Q")
WRITERS = 50
Record = tuple[str, int, bytes]


@contextlib.contextmanager
def lmdb_store(path: Path) -> Iterator[tuple[lmdb.Environment, LmdbEventStore]]:
    """The app's own store on a fresh environment, opened as the container opens it."""
    with contextlib.contextmanager(open_environment)(path) as env:
        store = LmdbEventStore(env)
        try:
            yield env, store
        finally:
            store.close()


def streams(pipelines: int, per_pipeline: int) -> list[list[Event]]:
    return [pipeline_events(f"pipeline-{i:03d}", per_pipeline) for i in range(pipelines)]


def records(event_streams: list[list[Event]]) -> list[list[Record]]:
    return [[(e.pipeline_id, e.seq, encoded(e)) for e in events] for events in event_streams]


# ----- 1. durable appends ------------------------------------------------------------------------
async def _append_all(store: LmdbEventStore, event_streams: list[list[Event]]) -> float:
    async def one_pipeline(events: list[Event]) -> None:
        for event in events:  # as the service does: one command, one awaited append
            await store.append(event.pipeline_id, [event], event.seq - 1)

    start = time.perf_counter()
    await asyncio.gather(*(one_pipeline(events) for events in event_streams))
    return time.perf_counter() - start


def ours_appends(event_streams: list[list[Event]]) -> float:
    """Events/s through LmdbEventStore.append: one task per pipeline, each awaiting its appends in turn."""
    with tempfile.TemporaryDirectory() as tmp, lmdb_store(Path(tmp)) as (_, store):
        elapsed = asyncio.run(_append_all(store, event_streams))
    return sum(map(len, event_streams)) / elapsed


def _in_threads(work: Callable[[list[Record]], None], per_writer: Sequence[list[Record]]) -> float:
    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in per_writer]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(map(len, per_writer)) / (time.perf_counter() - start)


def raw_lmdb_appends(per_writer: Sequence[list[Record]]) -> float:
    """Events/s of bare py-lmdb: one put and one default (durable) commit per event, one thread per writer."""
    with tempfile.TemporaryDirectory() as tmp:
        env = lmdb.open(tmp, map_size=1 << 30, max_dbs=4)
        db = env.open_db(b"events")

        def work(chunk: list[Record]) -> None:
            for pipeline_id, seq, value in chunk:
                with env.begin(write=True, db=db) as txn:
                    txn.put(pipeline_id.encode() + b"\x00" + _SEQ.pack(seq), value)

        try:
            return _in_threads(work, per_writer)
        finally:
            env.close()


def sqlite_appends(per_writer: Sequence[list[Record]]) -> float:
    """Events/s of SQLite, WAL, synchronous=FULL: one insert and commit per event, one thread per writer.

    The writers share one connection behind a lock, as one process would: SQLite lets one writer in at a time,
    and separate connections only add its busy-wait sleeps (which made this figure swing from 1k to 6k/s).
    """
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(str(Path(tmp) / "events.db"), isolation_level=None, check_same_thread=False)
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=FULL")
        conn.execute("create table events (pipeline text, seq integer, value blob, primary key (pipeline, seq))")
        lock = threading.Lock()

        def work(chunk: list[Record]) -> None:
            for record in chunk:
                with lock:
                    conn.execute("begin immediate")
                    conn.execute("insert into events values (?, ?, ?)", record)
                    conn.execute("commit")

        with contextlib.closing(conn):
            return _in_threads(work, per_writer)


def flush_floor(count: int) -> float:
    """Flushes/s of the disk itself: a 4 KB write and an fdatasync, over and over (what any durable commit pays)."""
    with tempfile.TemporaryDirectory() as tmp:
        fd = os.open(Path(tmp) / "floor", os.O_RDWR | os.O_CREAT)
        try:
            os.write(fd, bytes(1 << 16))
            os.fsync(fd)
            start = time.perf_counter()
            for n in range(count):
                os.pwrite(fd, b"x" * 4096, (n % 16) * 4096)
                os.fdatasync(fd)
            return count / (time.perf_counter() - start)
        finally:
            os.close(fd)


def append_rows(size: str) -> list[Row]:
    """Each engine in turn, round after round on fresh files, so that a busy disk slows them all alike."""
    rows: list[Row] = []
    for writers, label in ((1, "1 writer"), (WRITERS, f"{WRITERS} concurrent pipelines")):
        per_round = scaled(size, 100, 2_000 if writers == 1 else 5_000)
        event_streams = streams(writers, per_round // writers)
        recs = records(event_streams)
        engines = [partial(ours_appends, event_streams), partial(raw_lmdb_appends, recs), partial(sqlite_appends, recs)]
        engines.append(partial(flush_floor, per_round))
        rates: list[list[float]] = [[] for _ in engines]
        for turn in range(scaled(size, 1, 7)):
            for index in ((turn + k) % len(engines) for k in range(len(engines))):  # rotate who goes first
                gc.collect()
                rates[index].append(engines[index]())
        ours, raw, lite, floor = (statistics.median(r) for r in rates)
        name = f"durable event append, {label}"
        rows.append(Row(name, ours, "events/s", "raw LMDB put+commit", raw))
        rows.append(Row(name, ours, "events/s", "SQLite WAL FULL", lite, "≥ 1× SQLite", at_least(ours, lite)))
    rows.append(Row("disk floor: 4 KB write + fdatasync (what one flush costs here)", floor, "flushes/s"))
    return rows


# ----- 2. replay ---------------------------------------------------------------------------------
def replay_rows(size: str) -> list[Row]:
    count = scaled(size, 200, 10_000)
    events = pipeline_events("long-session", count)
    with tempfile.TemporaryDirectory() as tmp, lmdb_store(Path(tmp)) as (env, store):
        asyncio.run(store.append("long-session", events, 0))
        ours, read, apply_only = asyncio.run(_replay_timings(store, events, scaled(size, 2, 15)))
        scan = median_of(scaled(size, 2, 15), lambda: raw_scan(env, b"long-session", 0))
    name = f"replay of a {count:,}-event pipeline (PipelineRepository.load)"
    return [
        Row(name, ours * 1000, "ms", "raw LMDB cursor scan", scan * 1000, "< 50 ms", at_most(ours * 1000, 50)),
        Row(f"… of which read + decode (store.read), {count:,} events", read * 1000, "ms", "raw scan", scan * 1000),
        Row(f"… of which Pipeline.replay, {count:,} decoded events", apply_only * 1000, "ms"),
    ]


async def _replay_timings(store: LmdbEventStore, events: list[Event], repeats: int) -> tuple[float, float, float]:
    loads, reads, replays = [], [], []
    for _ in range(repeats):
        repo = PipelineRepository(store, StreamHub())  # a cold cache, as after a restart
        start = time.perf_counter()
        await repo.load("long-session")
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        await store.read("long-session")
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        Pipeline.replay(events)
        replays.append(time.perf_counter() - start)
    return min(loads), min(reads), min(replays)


# ----- storage -----------------------------------------------------------------------------------
def storage_rows(size: str) -> list[Row]:
    """Bytes on disk per 4-step × 3-candidate pipeline (appended event by event) vs the text it holds."""
    count = scaled(size, 5, 200)
    event_streams = [pipeline_events(f"article-{i:04d}", 22) for i in range(count)]
    with tempfile.TemporaryDirectory() as tmp:
        with lmdb_store(Path(tmp)) as (env, store):
            asyncio.run(_append_all(store, event_streams))
            used = _used_bytes(env)
        on_disk = (Path(tmp) / "data.mdb").stat().st_blocks * 512
    payload = sum(payload_bytes(events) for events in event_streams) / count
    return [
        Row("storage per 4-step × 3-candidate pipeline, on disk", on_disk / count, "bytes", "payload text", payload),
        Row("storage per 4-step × 3-candidate pipeline, pages in use", used / count, "bytes", "payload text", payload),
    ]


def _used_bytes(env: lmdb.Environment) -> int:
    def pages(stat: Any) -> int:  # py-lmdb's _StatDict
        return int(stat["branch_pages"] + stat["leaf_pages"] + stat["overflow_pages"])

    total = pages(env.stat())
    with env.begin() as txn:
        for name, _ in txn.cursor():
            total += pages(txn.stat(env.open_db(name, txn=txn)))
    return total * env.stat()["psize"]


def run(size: str) -> list[Row]:
    return [*append_rows(size), *replay_rows(size), *storage_rows(size)]


if __name__ == "__main__":
    main(run)
