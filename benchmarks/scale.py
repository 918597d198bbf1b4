"""Issue 16 at scale: a store of many pipelines built through the real code, then listing, loading, live
events across processes and appends, each beside its reference in the same run.

Size: tiny 20 pipelines × 100 events; full 1,000 × 100 (WRITEIT_SCALE_PIPELINES overrides the count, e.g.
10000 for the issue's figure). A store is built once through the real code into the cache (scale_support:
~/.cache/writeit-bench, keyed by what decides its bytes) and copied for each run; 10,000 × 100 took 164 s to
build. WRITEIT_SCALE_SECTIONS picks sections (listing,snapshot,append). The measured commands run with their
bytecode compiled (a cache of their own), as an installed writeit's is: with PYTHONDONTWRITEBYTECODE set, each
would compile WriteIt from source on every start. The long pipeline: tiny 2,000 events, full 100,000.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import lmdb
from websockets.asyncio.client import connect

from benchmarks.common import (
    Row,
    at_least,
    at_most,
    isolated_home,
    main,
    median_of,
    percentile,
    scaled,
    wait_listening,
)
from benchmarks.scale_support import (
    WithoutLog,
    append_rate,
    build_long,
    cached_store,
    compiled_bytecode,
    raw_scan,
    rss_mb,
    run_measured,
    store_path,
)
from benchmarks.startup import BARE_TUI, in_terminal
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.lmdb.snapshots import LmdbSnapshotStore
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository

WRITEIT = [sys.executable, "-m", "writeit"]


def listing_rows(size: str) -> list[Row]:
    with isolated_home(), compiled_bytecode():  # never the user's own store; the commands measured inherit it
        return _listing_rows(size)


def _listing_rows(size: str) -> list[Row]:
    count = int(os.environ.get("WRITEIT_SCALE_PIPELINES") or scaled(size, 20, 1000))
    built, projected, _ = cached_store(store_path(), count, 100)
    repeats = scaled(size, 1, 3)
    for argv in ([*WRITEIT, "pipelines", "list", "--json"], [*WRITEIT, "--help"]):
        run_measured(argv)  # compiles the bytecode once, not measured
    lists, helps = [], []
    for _ in range(repeats):  # alternated, so load on the machine weighs on both alike
        lists.append(run_measured([*WRITEIT, "pipelines", "list", "--json"]))
        helps.append(run_measured([*WRITEIT, "--help"]))
    wall, rss = statistics.median(w for w, _, _ in lists), max(r for _, r, _ in lists)
    listed = len(json.loads(lists[0][2]))
    assert listed == count, f"listed {listed} of {count}"
    help_wall = statistics.median(w for w, _, _ in helps)
    label = f"{count:,} pipelines × 100 events"
    return [
        Row(f"build the store ({label}, real aggregate + LMDB appends)", built, "s"),
        Row(f"summaries projection built from the log ({label}, once)", projected, "s"),
        Row(f"cold `writeit pipelines list --json`, {label}", wall * 1000, "ms", "`writeit --help`",
            help_wall * 1000, "≤ 2× --help", at_most(wall, 2 * help_wall)),
        Row(f"`writeit pipelines list --json` peak RSS, {label}", rss, "MB", "`writeit --help`",
            max(r for _, r, _ in helps), "≤ 60 MB", at_most(rss, 60)),
        *_picker_rows(label, count, repeats),
        *asyncio.run(_serve_rows(count, label, scaled(size, 100, 3000))),
    ]  # fmt: skip


def _picker_rows(label: str, count: int, repeats: int) -> list[Row]:
    """The real TUI in a pseudo-terminal, until its picker shows the count of saved pipelines."""
    ready = f"{count}savedpipelines".encode()
    tui = [in_terminal([*WRITEIT], ready, settle=1.0) for _ in range(repeats)]
    bare = [in_terminal([sys.executable, "-c", BARE_TUI], b"ready") for _ in range(repeats)]
    drawn, hwm = statistics.median(t for t, _, _ in tui), max(h for _, h, _ in tui)
    return [
        Row(f"TUI picker drawn (with the count of saved pipelines), {label}", drawn * 1000, "ms",
            "bare Textual app drawn, same terminal", statistics.median(t for t, _, _ in bare) * 1000, "≤ 1.5 s",
            at_most(drawn, 1.5)),
        Row(f"… TUI peak RSS when drawn, {label}", hwm, "MB", "bare Textual app", max(h for _, h, _ in bare),
            "≤ 80 MB", at_most(hwm, 80)),
        Row("… TUI RSS 1 s after drawing", statistics.median(r for _, _, r in tui), "MB"),
    ]  # fmt: skip


async def _serve_rows(count: int, label: str, events: int) -> list[Row]:
    log = Path(tempfile.mkdtemp()) / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*WRITEIT, "serve", "--port", "0"], stdout=out, stderr=subprocess.STDOUT)  # noqa: ASYNC220
    try:
        started = time.perf_counter()
        url = await wait_listening(process, log)
        listening = time.perf_counter() - started
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            start = time.perf_counter()
            first = await client.get("/api/pipelines")  # its whole body read; parsing it is the client's work
            first_get = time.perf_counter() - start
            listed = first.json()
            start = time.perf_counter()
            await client.get("/api/pipelines")
            warm_get = time.perf_counter() - start
            for summary in listed[:1000]:
                assert (await client.get(f"/api/pipelines/{summary['id']}")).status_code == 200
            rss = rss_mb(process.pid)
            p99, p50, lost = await _latency(url, listed[0]["id"], listed[0]["version"], events)
    finally:
        process.terminate()
        process.wait(timeout=60)
    opened = min(1000, len(listed))
    return [
        Row(f"`writeit serve` start until it listens (warmed: one listing served in-process), {label}",
            listening * 1000, "ms"),
        Row(f"GET /api/pipelines, first request of a fresh serve, {label}", first_get * 1000, "ms",
            "the same request warm", warm_get * 1000, "≤ 100 ms", at_most(first_get * 1000, 100)),
        Row(f"`writeit serve` RSS after listing all and opening {opened:,}", rss["VmRSS"], "MB", "", None,
            "≤ 120 MB", at_most(rss["VmRSS"], 120)),
        Row("… of which its own memory (RssAnon)", rss["RssAnon"], "MB"),
        Row("… of which pages of the store's map (RssFile, the kernel's to drop)", rss["RssFile"], "MB"),
        Row(f"event stored by another process → serve's WebSocket client, p99 of {events:,}", p99 * 1000, "ms",
            "p50", p50 * 1000, "≤ 100 ms, none lost or twice", at_most(p99 * 1000, 100) and lost == 0),
    ]  # fmt: skip


_WRITER = """
import asyncio, sys, time
from writeit.entrypoints.cli.common import open_container

async def main(pid, count):
    async with open_container() as container:
        service = container.pipelines()
        for n in range(count):
            await service.give_feedback(pid, "polish", repr(time.time()))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def _latency(url: str, pipeline_id: str, version: int, count: int) -> tuple[float, float, int]:
    """(p99, p50, lost or duplicated) of events a separate process stores, as a WebSocket client of serve sees them."""
    ws_url = "ws" + url[len("http") :] + f"/api/pipelines/{pipeline_id}/stream?after={version}"
    delays: list[float] = []
    seqs: list[int] = []
    async with connect(ws_url, max_size=None) as ws:
        writer = await asyncio.create_subprocess_exec(sys.executable, "-c", _WRITER, pipeline_id, str(count))
        while len(delays) < count:
            if writer.returncode not in (None, 0):
                raise RuntimeError(f"the writer exited {writer.returncode}")
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if message.get("type") == "event" and message["event"]["type"] == "FeedbackGiven":
                delays.append(time.time() - float(message["event"]["text"]))
                seqs.append(message["seq"])
        await writer.wait()
    lost = len(set(range(seqs[0], seqs[0] + count)) ^ set(seqs)) + (len(seqs) - len(set(seqs)))
    return percentile(delays, 99), percentile(delays, 50), lost


def snapshot_rows(size: str) -> list[Row]:
    count = scaled(size, 2000, 100_000)
    repeats = scaled(size, 2, 5)
    with tempfile.TemporaryDirectory() as tmp, _opened(Path(tmp)) as (env, store):
        snapshot_at = asyncio.run(build_long(env, store, "long", count))
        snapshots = LmdbSnapshotStore(env)

        def load(with_snapshot: bool) -> float:
            repo = PipelineRepository(store, StreamHub(), snapshots=snapshots if with_snapshot else None)
            start = time.perf_counter()
            loaded = asyncio.run(repo.load("long"))
            assert loaded.version == count
            return time.perf_counter() - start

        from_snapshot = median_of(repeats, lambda: load(True))
        replay = median_of(max(1, repeats // 2), lambda: load(False))
        tail = median_of(repeats, lambda: raw_scan(env, b"long", snapshot_at))
        whole = median_of(repeats, lambda: raw_scan(env, b"long", 0))
    name = f"load a {count:,}-event pipeline from its snapshot (at {snapshot_at:,}) + tail"
    return [
        Row(name, from_snapshot * 1000, "ms", "raw cursor scan of the tail", tail * 1000, "≤ 3× the tail scan",
            at_most(from_snapshot, 3 * tail)),
        Row(f"… the same load by full replay, {count:,} events", replay * 1000, "ms", "snapshot + tail",
            from_snapshot * 1000, "≥ 20× the snapshot load", at_least(replay, 20 * from_snapshot)),
        Row(f"… raw cursor scan of all {count:,} events", whole * 1000, "ms"),
    ]  # fmt: skip


def append_rows(size: str) -> list[Row]:
    per, writers = scaled(size, 20, 200), 50
    ours, without = [], []
    for _ in range(scaled(size, 1, 3)):  # alternated, so load on the machine weighs on both alike
        ours.append(append_rate(LmdbEventStore, writers, per))
        without.append(append_rate(WithoutLog, writers, per))
    rate, reference = statistics.median(ours), statistics.median(without)
    polls = _poll_cost(scaled(size, 1000, 20_000))
    return [
        Row(f"durable appends with the global log, {writers} writers × {per} one-event appends", rate, "events/s",
            "the same store without the log", reference, "≥ 0.9×", at_least(rate, 0.9 * reference)),
        Row("follower poll: one `last_position()` (LMDB read txn)", polls * 1e6, "µs", "poll interval", 20_000,
            "", None),
    ]  # fmt: skip


def _poll_cost(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp, _opened(Path(tmp)) as (_, store):

        async def polls() -> float:
            start = time.perf_counter()
            for _ in range(count):
                await store.last_position()
            return (time.perf_counter() - start) / count

        return asyncio.run(polls())


def _opened(path: Path) -> _Opened:
    return _Opened(path)


class _Opened:
    """An environment and the app's store on it, closed at the end (as the container opens them)."""

    def __init__(self, path: Path) -> None:
        self._resource = open_environment(path, 1 << 30)

    def __enter__(self) -> tuple[lmdb.Environment, LmdbEventStore]:
        self._env = next(self._resource)
        self._store = LmdbEventStore(self._env)
        return self._env, self._store

    def __exit__(self, *exc: object) -> None:
        self._store.close()
        next(self._resource, None)


def run(size: str, sections: Sequence[str] = ()) -> list[Row]:
    parts = {"listing": listing_rows, "snapshot": snapshot_rows, "append": append_rows}
    sections = sections or (os.environ.get("WRITEIT_SCALE_SECTIONS") or ",".join(parts)).split(",")
    return [row for name in sections for row in parts[name](size)]


if __name__ == "__main__":
    main(run)
