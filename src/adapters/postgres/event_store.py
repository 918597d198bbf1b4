"""The EventStore on PostgreSQL: a global position assigned under a lock held to commit, appends group-committed."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from writeit.adapters.group_commit import GroupCommitWriter, Outcome, Pending
from writeit.adapters.lmdb.codec import decode, encode
from writeit.adapters.postgres.database import Connection, PostgresDatabase
from writeit.adapters.postgres.schema import APPEND_LOCK, lock_key
from writeit.application.errors import StoreError, VersionConflictError
from writeit.application.ports import LoggedEvent, check_append
from writeit.domain.events import Event

Row = tuple[int, str, int, str]
_SEQ_CONSTRAINT = "events_pipeline_id_seq_key"  # PostgreSQL's name for UNIQUE (pipeline_id, seq)
_COPY = "COPY events (position, pipeline_id, seq, data) FROM STDIN"


class _RacedError(Exception):
    """The unique (pipeline_id, seq) constraint refused a row: another writer stored that seq first."""


_Append = Pending[str]


class PostgresEventStore:
    """EventStore on table `events` (position PK, unique (pipeline_id, seq), the event's JSON as LMDB stores it).

    Positions: every writer takes a transaction-level advisory lock of the workspace before it reads the last
    position, and holds it until its commit, so positions are given in commit order and a reader can never
    see N+1 before N (pyeventsourcing takes a table lock for the same reason). Serialising writers would cost
    one commit (a WAL flush) per append; instead, as the LMDB store does, one writer thread per process
    commits everything queued in one transaction. The NOTIFY on channel `<schema>` (payload: the last
    position) is sent in that transaction, so it is delivered exactly when the events become visible.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database
        self._lock_key = lock_key(database.schema)
        self._writer: GroupCommitWriter[str] = GroupCommitWriter(self._commit, "pg-event-writer")

    @property
    def channel(self) -> str:
        return self._db.schema

    async def append(self, pipeline_id: str, events: Sequence[Event], expected_version: int) -> int:
        check_append(pipeline_id, events, expected_version)
        values = [encode(event).decode() for event in events]
        return await self._writer.append(pipeline_id, values, expected_version)

    async def read(self, pipeline_id: str, after: int = 0) -> list[Event]:
        if "\x00" in pipeline_id:  # never stored, and PostgreSQL text cannot hold it
            return []
        query = "SELECT data FROM events WHERE pipeline_id = %s AND seq > %s ORDER BY seq"
        rows = await self._db.run(lambda conn: conn.execute(query, (pipeline_id, max(after, 0))).fetchall())
        return [_decode(str(data), f"of pipeline {pipeline_id!r}") for (data,) in rows]

    async def version(self, pipeline_id: str) -> int:
        if "\x00" in pipeline_id:
            return 0
        query = "SELECT coalesce(max(seq), 0) FROM events WHERE pipeline_id = %s"
        return await self._db.run(lambda conn: _scalar(conn, query, (pipeline_id,)))

    async def pipeline_ids(self) -> list[str]:
        query = "SELECT pipeline_id FROM events WHERE seq = 1 ORDER BY position"
        return [str(pid) for (pid,) in await self._db.run(lambda conn: conn.execute(query).fetchall())]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[LoggedEvent]:
        if limit <= 0:
            return []
        query = "SELECT position, data FROM events WHERE position > %s ORDER BY position LIMIT %s"
        rows = await self._db.run(lambda conn: conn.execute(query, (max(after, 0), limit)).fetchall())
        return [LoggedEvent(int(str(p)), _decode(str(data), f"at position {p}")) for p, data in rows]

    async def last_position(self) -> int:
        return await self._db.run(lambda conn: _scalar(conn, "SELECT coalesce(max(position), 0) FROM events", ()))

    def close(self) -> None:
        """Finish the queued appends and stop the writer thread (call before closing the database)."""
        self._writer.close()

    def _commit(self, batch: list[_Append]) -> list[Outcome]:
        try:
            return self._db.call(lambda conn: self._apply_all(conn, batch))
        except _RacedError:
            # Only a writer bypassing the lock gets here; each append alone then tells who conflicted.
            if len(batch) > 1:
                return [self._commit([pending])[0] for pending in batch]
            return [self._conflict(batch[0])]
        except Exception as exc:  # the writer must outlive any failure; the callers get it instead
            return [exc] * len(batch)

    def _apply_all(self, conn: Connection, batch: list[_Append]) -> list[Outcome]:
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (APPEND_LOCK, self._lock_key))
        ids = list({pending.pipeline_id for pending in batch})
        query = "SELECT pipeline_id, max(seq) FROM events WHERE pipeline_id = ANY(%s) GROUP BY pipeline_id"
        heads = {str(pid): int(str(seq)) for pid, seq in conn.execute(query, (ids,)).fetchall()}
        position = _scalar(conn, "SELECT coalesce(max(position), 0) FROM events", ())
        rows: list[Row] = []
        outcomes: list[Outcome] = []
        for pending in batch:  # in order, each against the heads as the earlier ones left them
            actual = heads.get(pending.pipeline_id, 0)
            if actual != pending.expected:
                outcomes.append(VersionConflictError(pending.pipeline_id, pending.expected, actual))
                continue
            for seq, value in enumerate(pending.values, start=actual + 1):
                position += 1
                rows.append((position, pending.pipeline_id, seq, value))
            heads[pending.pipeline_id] = actual + len(pending.values)
            outcomes.append(heads[pending.pipeline_id])
        if rows:
            try:
                with conn.cursor() as cursor, cursor.copy(_COPY) as copy:
                    for row in rows:
                        copy.write_row(row)
            except psycopg.errors.UniqueViolation as exc:
                if exc.diag.constraint_name != _SEQ_CONSTRAINT:
                    raise  # a position taken: someone wrote without the lock; nothing is stored, the callers are told
                raise _RacedError from None  # not a psycopg error: the transaction rolls back, untranslated
            conn.execute("SELECT pg_notify(%s, %s)", (self.channel, str(position)))
        return outcomes

    def _conflict(self, pending: _Append) -> Outcome:
        query = "SELECT coalesce(max(seq), 0) FROM events WHERE pipeline_id = %s"
        try:
            actual = self._db.call(lambda conn: _scalar(conn, query, (pending.pipeline_id,)))
        except StoreError as exc:
            return exc
        return VersionConflictError(pending.pipeline_id, pending.expected, actual)


def _scalar(conn: Connection, query: str, params: tuple[object, ...]) -> int:
    row = conn.execute(query.encode(), params).fetchone()
    return int(str(row[0])) if row is not None else 0


def _decode(data: str, where: str) -> Event:
    try:
        return decode(data.encode())
    except ValueError as exc:  # json and msgspec errors are ValueErrors too
        raise StoreError(f"stored event {where} is unreadable: {exc}") from exc
