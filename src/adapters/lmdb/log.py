"""The global log in LMDB: db "log" (position → the event's key), and its one-time backfill for older stores."""

from __future__ import annotations

import heapq
import struct
from collections.abc import Iterator

import lmdb
import msgspec

U64 = struct.Struct(">Q")
LOG_READY = b"log"  # key in db "meta": every stored event has its position


class _At(msgspec.Struct):
    at: str = ""


_AT = msgspec.json.Decoder(_At)


def last_position(txn: lmdb.Transaction[bytes], log: lmdb._Database) -> int:
    cursor = txn.cursor(db=log)
    return int(U64.unpack(cursor.key())[0]) if cursor.last() else 0


def positions(txn: lmdb.Transaction[bytes], log: lmdb._Database, after: int, limit: int) -> Iterator[tuple[int, bytes]]:
    """(position, event key) for the positions after `after`, at most `limit` of them."""
    cursor = txn.cursor(db=log)
    if limit <= 0 or not cursor.set_range(U64.pack(max(after, 0) + 1)):
        return
    for count, (position, key) in enumerate(cursor, start=1):
        yield int(U64.unpack(position)[0]), bytes(key)
        if count >= limit:
            return


def ensure_log(
    txn: lmdb.Transaction[bytes], dbs: tuple[lmdb._Database, lmdb._Database, lmdb._Database, lmdb._Database]
) -> int:
    """Give positions to events stored before the global log existed (once; in the opening write txn).

    The order is deterministic and as close to the real history as the store can tell: by the events'
    timestamps, ties by pipeline creation order, and always in seq order within a pipeline. Returns how many.
    """
    events, order, log, meta = dbs
    if txn.get(LOG_READY, db=meta) is not None:
        return 0
    streams = [_stream(txn, events, rank, bytes(pid)) for rank, (_, pid) in enumerate(txn.cursor(db=order))]
    position = last_position(txn, log)
    start = position
    for _, _, key in heapq.merge(*streams):
        position += 1
        txn.put(U64.pack(position), key, db=log)
    txn.put(LOG_READY, b"1", db=meta)
    return position - start


def _stream(
    txn: lmdb.Transaction[bytes], events: lmdb._Database, rank: int, pipeline_id: bytes
) -> Iterator[tuple[str, int, bytes]]:
    """(timestamp, creation rank, key) of a pipeline's events; each stream is ordered, its timestamps forced
    not to go back, so the merge can never reorder a pipeline's own events."""
    prefix = pipeline_id + b"\x00"
    cursor = txn.cursor(db=events)
    if not cursor.set_range(prefix):
        return
    latest = ""
    for key, value in cursor:
        if not key.startswith(prefix):
            return
        try:
            at = _AT.decode(value).at
        except msgspec.MsgspecError:
            at = ""  # unreadable here: read() will name it; its place follows its predecessor
        latest = max(latest, at)
        yield latest, rank, bytes(key)
