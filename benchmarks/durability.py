"""The LMDB durability options for one writer, each beside SQLite WAL FULL: why the store keeps LMDB's default.

One put and commit per event, raw py-lmdb, the store's own key layout and event bytes. Each mode names what a
power cut can do to it; a kill -9 loses nothing committed in any of them (the page cache outlives the process).
"""

from __future__ import annotations

import gc
import statistics
import struct
import tempfile
from collections.abc import Callable
from functools import partial
from typing import Any

import lmdb

from benchmarks.common import Row, main, scaled
from benchmarks.store import Record, records, sqlite_appends, streams

_SEQ = struct.Struct(">Q")
_HEAD = struct.Struct(">QQ")

# (label, lmdb.open flags, env.sync(True) after each commit)
MODES: list[tuple[str, dict[str, Any], bool]] = [
    ("default: data flush, then meta flush (the store's choice; durable)", {}, False),
    ("metasync=False + env.sync() before acking (durable)", {"metasync": False}, True),
    ("writemap (durable)", {"writemap": True}, False),
    ("metasync=False (a power cut may undo the last commit)", {"metasync": False}, False),
    ("sync=False + one env.sync() per commit (a power cut may corrupt: no order)", {"sync": False}, True),
    ("sync=False (a power cut may corrupt or lose recent commits)", {"sync": False}, False),
]


def lmdb_mode(chunk: list[Record], flags: dict[str, Any], sync_after: bool) -> float:
    """Events/s of one writer in this mode: the store's txn shape (read the head, put the event, put the head)."""
    import time

    with tempfile.TemporaryDirectory() as tmp:
        env = lmdb.open(tmp, map_size=1 << 30, max_dbs=4, **flags)
        events, heads = env.open_db(b"events"), env.open_db(b"heads")
        start = time.perf_counter()
        for pipeline_id, seq, value in chunk:
            key = pipeline_id.encode()
            with env.begin(write=True) as txn:
                txn.get(key, db=heads)
                txn.put(key + b"\x00" + _SEQ.pack(seq), value, db=events)
                txn.put(key, _HEAD.pack(seq, 1), db=heads)
            if sync_after:
                env.sync(True)
        elapsed = time.perf_counter() - start
        env.close()
    return len(chunk) / elapsed


def run(size: str) -> list[Row]:
    chunk = records(streams(1, scaled(size, 50, 1_000)))[0]
    engines: list[Callable[[], float]] = [partial(sqlite_appends, [chunk])]
    engines += [partial(lmdb_mode, chunk, flags, sync_after) for _, flags, sync_after in MODES]
    rates: list[list[float]] = [[] for _ in engines]
    for turn in range(scaled(size, 1, 5)):
        for k in range(len(engines)):  # rotate who goes first, so a busy moment hits each alike
            index = (turn + k) % len(engines)
            gc.collect()
            rates[index].append(engines[index]())
    sqlite = statistics.median(rates[0])
    return [
        Row(f"raw LMDB, 1 writer, {label}", statistics.median(r), "events/s", "SQLite WAL FULL", sqlite)
        for (label, _, _), r in zip(MODES, rates[1:], strict=True)
    ]


if __name__ == "__main__":
    main(run)
