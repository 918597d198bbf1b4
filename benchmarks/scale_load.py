"""Issue 16's loading and memory figures: a long pipeline loaded from its snapshot (the current format, lazy) beside the
raw scan of its tail, a full replay and the previous format (2) in the same run; `writeit serve`'s RSS after
listing and opening 1,000 pipelines; cross-process WebSocket latency; appends with and without the global log.

Size: tiny 2,000 events and 20 pipelines × 100; full 100,000 events and 1,000 × 100, 10,000 latency events.
The store is built through the real code (benchmarks/scale_support.py); the serve and append rows are
benchmarks/scale.py's own measurements, run here with the issue's counts.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import scale
from benchmarks.common import Row, at_least, at_most, isolated_home, main, median_of, scaled, wait_listening
from benchmarks.scale_support import build_long, build_store, raw_scan, rss_mb, store_path
from writeit.adapters.lmdb.environment import transact
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.lmdb.snapshots import FORMAT, LmdbSnapshotStore, encode, encode_json
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository
from writeit.application.views import pipeline_view
from writeit.domain.pipeline import Pipeline


def snapshot_rows(size: str) -> list[Row]:
    count, repeats = scaled(size, 2000, 100_000), scaled(size, 2, 5)
    with tempfile.TemporaryDirectory() as tmp, scale._opened(Path(tmp)) as (env, store):
        at = asyncio.run(build_long(env, store, "long", count))
        snapshots = LmdbSnapshotStore(env)
        _copy_as_format_2(env, snapshots)

        def load(pipeline_id: str | None, *, view: bool = False) -> float:
            repo = PipelineRepository(store, StreamHub(), snapshots=snapshots if pipeline_id else None)
            start = time.perf_counter()
            loaded = asyncio.run(repo.load(pipeline_id or "long"))
            if view:
                pipeline_view(loaded, None)
            assert loaded.version == count
            return time.perf_counter() - start

        def load_format_2() -> float:
            start = time.perf_counter()
            loaded = asyncio.run(snapshots.load("long-v2"))
            assert loaded is not None
            for event in asyncio.run(store.read("long", after=loaded.version)):
                loaded.apply(event)
            return time.perf_counter() - start

        lazy = median_of(repeats, lambda: load("long"))
        viewed = median_of(repeats, lambda: load("long", view=True))
        old = median_of(repeats, load_format_2)
        replay = median_of(max(1, repeats // 2), lambda: load(None))
        tail = median_of(repeats, lambda: raw_scan(env, b"long", at))
        decoded = median_of(repeats, lambda: raw_scan(env, b"long", at, decoded=True))
        first, following = _encodings(store, snapshots, at)
    name = f"load a {count:,}-event pipeline from its snapshot (format {FORMAT}, at {at:,}) + tail"
    return [
        Row(name, lazy * 1000, "ms", "raw cursor scan of the tail", tail * 1000, "≤ 3× the tail scan",
            at_most(lazy, 3 * tail)),
        Row("… the same cursor scan of the tail, decoding each event (the least a load of those events costs)",
            decoded * 1000, "ms", "raw cursor scan of the tail", tail * 1000, "", None),
        Row(f"… the same load by full replay, {count:,} events", replay * 1000, "ms", "snapshot + tail",
            lazy * 1000, "≥ 20× the snapshot load", at_least(replay, 20 * lazy)),
        Row("… the same load from the previous snapshot format (2: JSON, decoded whole)", old * 1000, "ms",
            f"format {FORMAT}", lazy * 1000, "", None),
        Row(f"… format {FORMAT} load then its view (what GET /api/pipelines/{{id}} sends)", viewed * 1000, "ms",
            "full replay", replay * 1000, "", None),
        Row(f"encoding the next snapshot of an aggregate kept in memory, {count - at} events and a view after its "
            "last (on the event loop)", following * 1000, "ms", "its first snapshot, after a replay", first * 1000, "",
            None),
    ]  # fmt: skip


def _encodings(store: LmdbEventStore, snapshots: LmdbSnapshotStore, at: int) -> tuple[float, float]:
    """Seconds to encode the first snapshot of a replayed aggregate (every candidate), and its next one after the
    events since (the repository's way: one aggregate in memory, snapshotted every so many events)."""
    events = asyncio.run(store.read("long"))
    pipeline = Pipeline.replay(events[:at])
    start = time.perf_counter()
    encode(pipeline, snapshots._of("long"))
    first = time.perf_counter() - start
    asyncio.run(snapshots.save(pipeline))  # the snapshot build_long made, again
    for event in events[at:]:
        pipeline.apply(event)
    pipeline.pending_candidates()  # a read of every candidate, as a command's checks do
    pipeline_view(pipeline, None)  # and what a command answers with (it reads the shown candidates by key)
    start = time.perf_counter()
    encode(pipeline, snapshots._of("long"))
    return first, time.perf_counter() - start


def _copy_as_format_2(env: object, snapshots: LmdbSnapshotStore) -> None:
    """The same snapshot under the id `long-v2`, as format 2 wrote it (its tail is read from `long`'s events)."""
    loaded = asyncio.run(snapshots.load("long"))
    assert loaded is not None
    value = encode_json(loaded)
    transact(env, lambda txn: txn.put(b"long-v2", value, db=snapshots._db), write=True)  # type: ignore[arg-type]


def serve_rows(size: str) -> list[Row]:
    with isolated_home():
        count = scaled(size, 20, 1000)
        build_store(store_path(), count, 100)
        label = f"{count:,} pipelines × 100 events"
        rows = asyncio.run(scale._serve_rows(count, label, scaled(size, 300, 10_000)))
        idle = asyncio.run(_idle_serve_rss())
        return [*rows, Row("`writeit serve` RSS just started (no request yet), same store", idle, "MB")]


async def _idle_serve_rss() -> float:
    """What serve holds before any request: the reference for what listing and opening added."""
    log = Path(tempfile.mkdtemp()) / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*scale.WRITEIT, "serve", "--port", "0"], stdout=out, stderr=subprocess.STDOUT)  # noqa: ASYNC220
    try:
        await wait_listening(process, log)
        return rss_mb(process.pid)["VmRSS"]
    finally:
        process.terminate()
        process.wait(timeout=60)


def run(size: str, sections: Sequence[str] = ("snapshot", "serve", "append")) -> list[Row]:
    parts = {"snapshot": snapshot_rows, "serve": serve_rows, "append": scale.append_rows}
    return [row for name in sections for row in parts[name](size)]


if __name__ == "__main__":
    main(run)
