"""The durable EventStore: JSON events in LMDB, appends group-committed by one writer thread."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

import lmdb

from writeit.adapters.group_commit import GroupCommitWriter, Outcome, Pending
from writeit.adapters.lmdb.codec import decode, encode
from writeit.adapters.lmdb.environment import transact
from writeit.adapters.lmdb.log import U64, ensure_log, last_position, positions
from writeit.application.errors import StoreError, VersionConflictError
from writeit.application.ports import LoggedEvent, check_append
from writeit.domain.events import Event

_U64 = U64
_HEAD = struct.Struct(">QQ")  # current version, creation order
_INLINE_READ = 64  # events decoded on the caller's loop (~0.1 ms); longer reads go to a thread

T = TypeVar("T")
_Append = Pending[bytes]


class LmdbEventStore:
    """EventStore on an open environment: dbs "events" (id NUL seq → JSON), "heads", "order", and the global
    log "log" (position → event key), whose positions are given in the same write transaction as the events.

    Appends queue for a single writer thread that commits everything waiting in one durable transaction,
    so concurrent pipelines share fsyncs; an append returns once its transaction is flushed (LMDB's default
    sync: data pages, then the meta page). An append whose caller is cancelled may still be stored.
    Short reads run on the caller's loop (an LMDB reader never waits for the writer, and a thread hop costs
    more than the read); long ones go to a thread.
    """

    def __init__(self, env: lmdb.Environment) -> None:
        self._env = env
        self._events, self._heads, self._order, self._log = transact(env, self._open_dbs, write=True)
        self._writer: GroupCommitWriter[bytes] = GroupCommitWriter(self._commit, "lmdb-event-writer")

    def _open_dbs(self, txn: lmdb.Transaction[bytes]) -> tuple[lmdb._Database, ...]:
        names = (b"events", b"heads", b"order", b"log", b"meta")
        events, heads, order, log, meta = (self._env.open_db(name, txn=txn) for name in names)
        ensure_log(txn, (events, order, log, meta))  # a store from before the global log gets its positions
        return events, heads, order, log

    async def append(self, pipeline_id: str, events: Sequence[Event], expected_version: int) -> int:
        check_append(pipeline_id, events, expected_version)
        return await self._writer.append(pipeline_id, [encode(event) for event in events], expected_version)

    async def read(self, pipeline_id: str, after: int = 0) -> list[Event]:
        if "\x00" in pipeline_id:  # never stored, and its prefix would reach into another id's keys
            return []
        key, after = pipeline_id.encode(), max(after, 0)
        few = transact(self._env, partial(self._scan_if_few, key, after))
        return few if few is not None else await self._read(partial(self._scan, key, after))

    async def version(self, pipeline_id: str) -> int:
        return transact(self._env, partial(_head_version, pipeline_id.encode(), self._heads))

    async def pipeline_ids(self) -> list[str]:
        return await self._read(self._list_ids)

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[LoggedEvent]:
        work = partial(self._scan_log, after, limit)
        if min(limit, transact(self._env, self._last) - after) <= _INLINE_READ:
            return transact(self._env, work)
        return await self._read(work)

    async def last_position(self) -> int:
        return transact(self._env, self._last)

    def close(self) -> None:
        """Finish the queued appends and stop the writer thread (call before closing the environment)."""
        self._writer.close()

    def _commit(self, batch: list[_Append]) -> list[Outcome]:
        try:
            outcomes: list[Outcome] = transact(self._env, partial(self._apply_all, batch), write=True)
        except Exception as exc:  # the writer must outlive any failure; the callers get it instead
            outcomes = [exc] * len(batch)
        return outcomes

    def _apply_all(self, batch: list[_Append], txn: lmdb.Transaction[bytes]) -> list[Outcome]:
        # In order, each against the heads as the earlier ones left them in this txn; a conflict writes nothing.
        # Write transactions are serialised across processes, so the log's last position read here is final.
        position = [last_position(txn, self._log)]
        return [self._apply(txn, pending, position) for pending in batch]

    def _apply(self, txn: lmdb.Transaction[bytes], pending: _Append, position: list[int]) -> Outcome:
        key = pending.pipeline_id.encode()
        head = txn.get(key, db=self._heads)
        actual, order = _unpack_head(head)
        if actual != pending.expected:
            return VersionConflictError(pending.pipeline_id, pending.expected, actual)
        if not pending.values:
            return actual
        for seq, value in enumerate(pending.values, start=actual + 1):
            event_key = key + b"\x00" + _U64.pack(seq)
            txn.put(event_key, value, db=self._events)
            position[0] += 1
            txn.put(_U64.pack(position[0]), event_key, db=self._log, append=True)
        if head is None:
            order = _next_order(txn, self._order)
            txn.put(_U64.pack(order), key, db=self._order)
        version = actual + len(pending.values)
        txn.put(key, _HEAD.pack(version, order), db=self._heads)
        return version

    async def _read(self, work: Callable[[lmdb.Transaction[bytes]], T]) -> T:
        return await asyncio.to_thread(transact, self._env, work)

    def _scan_if_few(self, key: bytes, after: int, txn: lmdb.Transaction[bytes]) -> list[Event] | None:
        """The events after `after`, or None when there are too many to decode without leaving the loop."""
        count = _head_version(key, self._heads, txn) - after
        if count > _INLINE_READ:
            return None
        return self._scan(key, after, txn) if count > 0 else []

    def _scan(self, key: bytes, after: int, txn: lmdb.Transaction[bytes]) -> list[Event]:
        prefix = key + b"\x00"
        cursor = txn.cursor(db=self._events)
        if not cursor.set_range(prefix + _U64.pack(after + 1)):
            return []
        events: list[Event] = []
        stored = b""
        try:
            for stored, value in cursor:
                if not stored.startswith(prefix):
                    break
                events.append(decode(value))
        except ValueError as exc:  # json and msgspec errors are ValueErrors too
            raise StoreError(f"stored event {stored!r} is unreadable: {exc}") from exc
        return events

    def _last(self, txn: lmdb.Transaction[bytes]) -> int:
        return last_position(txn, self._log)

    def _scan_log(self, after: int, limit: int, txn: lmdb.Transaction[bytes]) -> list[LoggedEvent]:
        logged: list[LoggedEvent] = []
        for position, key in positions(txn, self._log, after, limit):
            value = txn.get(key, db=self._events)
            try:
                if value is None:
                    raise ValueError("no event is stored under its key")
                logged.append(LoggedEvent(position, decode(value)))
            except ValueError as exc:
                raise StoreError(f"stored event at position {position} ({key!r}) is unreadable: {exc}") from exc
        return logged

    def _list_ids(self, txn: lmdb.Transaction[bytes]) -> list[str]:
        return [value.decode() for _, value in txn.cursor(db=self._order)]


def _head_version(key: bytes, heads: lmdb._Database, txn: lmdb.Transaction[bytes]) -> int:
    return _unpack_head(txn.get(key, db=heads))[0]


def _unpack_head(head: bytes | None) -> tuple[int, int]:
    """(version, creation order); (0, 0) for a pipeline not stored yet."""
    if head is None:
        return 0, 0
    version, order = _HEAD.unpack(head)
    return int(version), int(order)


def _next_order(txn: lmdb.Transaction[bytes], order_db: lmdb._Database) -> int:
    cursor = txn.cursor(db=order_db)
    return int(_U64.unpack(cursor.key())[0]) + 1 if cursor.last() else 1
