"""The PostgreSQL event store: 50 concurrent pipelines appending durably, beside raw psycopg inserts of the same
rows into the same server (a durable cluster of Debian's postgresql, started for the run, fsync on).

References, each in the same run on the same server:
- raw psycopg: 50 connections, each inserting its pipeline's rows one transaction per event (what the server
  does with no ordering at all: PostgreSQL groups the concurrent commits' WAL flushes by itself);
- raw psycopg with a table lock per transaction (pyeventsourcing's way of making insert order commit order,
  without grouping): what serialising writers costs when each commit waits for its own flush.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import time
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

import psycopg
from tests.postgres_server import PostgresCluster

from benchmarks.api_load import Tally, _journey, served
from benchmarks.common import Row, at_least, isolated_home, main, percentile, scaled
from benchmarks.postgres_live import across_workers, follower_latency, summary
from benchmarks.store import Record, records, streams
from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.event_store import PostgresEventStore
from writeit.adapters.postgres.relay import RelayedHub
from writeit.domain.events import Event

PIPELINES = 50
_TABLE = 'CREATE TABLE IF NOT EXISTS raw_events (position bigserial PRIMARY KEY, pipeline_id text COLLATE "C" NOT NULL, seq integer NOT NULL, data text NOT NULL, UNIQUE (pipeline_id, seq))'  # noqa: E501


async def ours(url: str, workspace: str, event_streams: list[list[Event]]) -> float:
    database = await asyncio.to_thread(PostgresDatabase(url, workspace).open)
    store = PostgresEventStore(database)

    async def one_pipeline(events: list[Event]) -> None:
        for event in events:  # as the service does: one command, one awaited append
            await store.append(event.pipeline_id, [event], event.seq - 1)

    try:
        start = time.perf_counter()
        await asyncio.gather(*(one_pipeline(events) for events in event_streams))
        return sum(map(len, event_streams)) / (time.perf_counter() - start)
    finally:
        store.close()
        database.close()


async def raw(url: str, table: str, per_pipeline: list[list[Record]], *, lock: bool) -> float:
    # Without the lock, autocommit: one round trip per insert, its own transaction (the fastest raw way).
    connections = [await psycopg.AsyncConnection.connect(url, autocommit=not lock) for _ in per_pipeline]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as setup:
        await setup.execute(_TABLE.replace("raw_events", table).encode())
    insert = f"INSERT INTO {table} (pipeline_id, seq, data) VALUES (%s, %s, %s)".encode()
    locking = f"LOCK TABLE {table} IN EXCLUSIVE MODE".encode()

    async def one_pipeline(conn: psycopg.AsyncConnection[tuple[object, ...]], rows: list[Record]) -> None:
        for pipeline_id, seq, value in rows:
            if not lock:
                await conn.execute(insert, (pipeline_id, seq, value.decode()))
                continue
            async with conn.transaction():
                await conn.execute(locking)
                await conn.execute(insert, (pipeline_id, seq, value.decode()))

    try:
        start = time.perf_counter()
        await asyncio.gather(*(one_pipeline(c, rows) for c, rows in zip(connections, per_pipeline, strict=True)))
        return sum(map(len, per_pipeline)) / (time.perf_counter() - start)
    finally:
        for conn in connections:
            await conn.close()


async def chunks_across(url: str, count: int, interval: float) -> tuple[float, float]:
    """(p99 latency in ms, chunks/s) from worker A's hub to a subscriber of worker B's (two RelayedHubs on one
    workspace, in one process), publishing a chunk every `interval` seconds (0: as fast as possible)."""
    database = await asyncio.to_thread(PostgresDatabase(url, f"chunks{count}{interval}").open)
    a, b = RelayedHub(database), RelayedHub(database)
    try:
        ready = a.wait_listening() and b.wait_listening()
        assert ready, "the relays did not start listening"
        with b.subscribe("p1") as theirs:
            latencies: list[float] = []

            async def consume() -> None:  # as a client's socket task would, while the model streams
                while len(latencies) < count:
                    message = await theirs.queue.get()
                    latencies.append(time.perf_counter() - float(getattr(message, "text", "0")))

            consumer = asyncio.create_task(consume())
            start = time.perf_counter()
            for n in range(count):
                a.publish_chunk("p1", f"c{n % 8}", f"{time.perf_counter():.9f} ")
                if interval:
                    await asyncio.sleep(interval)
            await asyncio.wait_for(consumer, 60)
            rate = count / (time.perf_counter() - start)
    finally:
        a.close()
        b.close()
        database.close()
    return percentile(latencies, 99) * 1000, rate


async def two_workers(url: str, per_worker: int) -> tuple[Tally, Tally]:
    """(alone, together): one journey on worker A, then `per_worker` journeys on each of two `writeit serve`
    on one database at once (api_load's journey: 4 steps of generate on echo, wait on the socket, select)."""
    os.environ["WRITEIT_STORE_URL"] = url
    try:
        with isolated_home() as root:
            (root / "a").mkdir()
            (root / "b").mkdir()
            async with served(root / "a") as (on_a, _), served(root / "b") as (on_b, _):
                alone, together = Tally(), Tally()
                await _journey(on_a, 0, Tally())  # warm both: plugins loaded, template parsed
                await _journey(on_b, 0, Tally())
                for n in range(5):
                    await _journey(on_a if n % 2 else on_b, n, alone)
                journeys = [_journey(worker, n, together) for n in range(per_worker) for worker in (on_a, on_b)]
                await asyncio.gather(*journeys)
    finally:
        del os.environ["WRITEIT_STORE_URL"]
    return alone, together


def run(size: str) -> list[Row]:
    per_pipeline = scaled(size, 4, 100)
    rounds = scaled(size, 1, 5)
    rates: dict[str, list[float]] = {"ours": [], "raw": [], "locked": []}
    with PostgresCluster(durable=True) as cluster:
        for turn in range(rounds):
            event_streams = streams(PIPELINES, per_pipeline)
            recs = records(event_streams)
            engines: dict[str, Callable[[], Coroutine[Any, Any, float]]] = {
                "ours": partial(ours, cluster.url, f"bench{turn}", event_streams),
                "raw": partial(raw, cluster.url, f"raw{turn}", recs, lock=False),
                "locked": partial(raw, cluster.url, f"locked{turn}", recs, lock=True),
            }
            names = list(engines)
            for k in range(len(names)):  # rotate who goes first, so a busy disk slows them all alike
                name = names[(turn + k) % len(names)]
                gc.collect()
                rates[name].append(asyncio.run(engines[name]()))
        p99, _ = asyncio.run(chunks_across(cluster.url, scaled(size, 200, 2_000), 0.001))
        _, throughput = asyncio.run(chunks_across(cluster.url, scaled(size, 2_000, 50_000), 0))
        per_worker = scaled(size, 5, 100)
        alone, together = asyncio.run(two_workers(cluster.create_database(), per_worker))
        appends = scaled(size, 20, 300)
        polled, poll_cpu = asyncio.run(follower_latency(cluster.url, "polled", appends, listening=False))
        woken, woken_cpu = asyncio.run(follower_latency(cluster.url, "woken", appends, listening=True))
        from_model, from_record = asyncio.run(across_workers(cluster.create_database(), scaled(size, 2, 21)))
    for error in sorted(set(together.errors + alone.errors))[:5]:
        print(f"error: {error}")
    api = f"API on echo, 2 workers × {per_worker} concurrent pipelines × 4 steps, one database"
    mine, plain, locked = (statistics.median(rates[n]) for n in ("ours", "raw", "locked"))
    chunks = "token chunks across workers (hub A → NOTIFY → hub B, one process)"
    label = f"PostgreSQL durable append, {PIPELINES} concurrent pipelines"
    return [
        *_live_rows(polled, poll_cpu, woken, woken_cpu, from_model, from_record),
        Row(
            label,
            mine,
            "events/s",
            "raw psycopg inserts, same rows, same server",
            plain,
            "≥ 0.8×",
            at_least(mine, 0.8 * plain),
        ),
        Row(label, mine, "events/s", "raw inserts + table lock per txn (pyeventsourcing)", locked),
        Row(f"{chunks}: p99 latency at ~1,000 chunks/s", p99, "ms", target="≤ 50 ms", met=p99 <= 50),
        Row(f"{chunks}: throughput", throughput, "chunks/s", target="≥ 10,000/s", met=throughput >= 10_000),
        Row(f"{api}: failed journeys", len(together.errors), "errors", target="0", met=not together.errors),
        Row(
            f"{api}: select latency p99",
            percentile(together.selects, 99) * 1000,
            "ms",
            "one pipeline alone",
            percentile(alone.selects, 99) * 1000,
        ),
    ]


def _live_rows(
    polled: list[float], poll_cpu: float, woken: list[float], woken_cpu: float, chunks: list[float], events: list[float]
) -> list[Row]:
    (p50, p99), (ref50, ref99) = summary(woken), summary(polled)
    follower = "event appended by one store → subscriber fed by another's follower (durable commit included)"
    ws = "2 `writeit serve`, websockets client on B"
    chunk50, chunk99 = summary(chunks)
    event50, event99 = summary(events)
    return [
        Row(f"{follower}, NOTIFY: p50", p50, "ms", "polling every 20 ms", ref50),
        Row(f"{follower}, NOTIFY: p99", p99, "ms", "polling every 20 ms", ref99),
        Row("follower idle, NOTIFY (+ 0.5 s poll): CPU", woken_cpu * 100, "% of a core", "polling", poll_cpu * 100),
        Row(f"{ws}: token chunk, model on A → client on B, p50", chunk50, "ms"),
        Row(f"{ws}: token chunk, model on A → client on B, p99", chunk99, "ms", target="≤ 50 ms", met=chunk99 <= 50),
        Row(f"{ws}: event recorded on A → client on B, p50 / p99", event50, "ms", "p99", event99),
    ]


if __name__ == "__main__":
    main(run)
