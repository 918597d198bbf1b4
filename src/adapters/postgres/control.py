"""What workers of one workspace tell each other through PostgreSQL: cancel requests (NOTIFY to the session that
runs the candidate), that the log moved (the event store's NOTIFY, to wake the follower), and their leases."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterator

from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.listener import Listener
from writeit.adapters.postgres.schema import lock_key
from writeit.application.ports import Signals

OnCancel = Callable[[str, str], Awaitable[object]]  # (pipeline id, candidate id)


def cancel_channel(schema: str) -> str:
    return f"writeit_cancel_{lock_key(schema) & 0xFFFFFFFF:08x}"


class PostgresCancelRequests:
    """CancelRequests by NOTIFY; `bind` makes this process act on the requests addressed to its session."""

    def __init__(self, database: PostgresDatabase, listener: Listener) -> None:
        self._db = database
        self._channel = cancel_channel(database.schema)
        self._session = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_cancel: OnCancel | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        listener.on(self._channel, self._received)

    async def request(self, session: str, pipeline_id: str, candidate_id: str) -> None:
        payload = json.dumps({"s": session, "p": pipeline_id, "c": candidate_id})
        query = "SELECT pg_notify(%s, %s)"
        await self._db.run(lambda conn: conn.execute(query, (self._channel, payload)), "cannot send the cancel")

    def bind(self, session: str, on_cancel: OnCancel) -> None:
        """From now on, requests for `session` run `on_cancel` on the calling event loop."""
        self._session, self._on_cancel = session, on_cancel
        self._loop = asyncio.get_running_loop()

    def unbind(self) -> None:
        self._loop = self._on_cancel = None

    def _received(self, payload: str) -> None:  # on the listener's thread
        try:
            message = json.loads(payload)
            session, pipeline_id, candidate_id = str(message["s"]), str(message["p"]), str(message["c"])
        except (ValueError, KeyError, TypeError):
            return  # not one of ours
        loop = self._loop
        if loop is None or session != self._session:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._start, pipeline_id, candidate_id)

    def _start(self, pipeline_id: str, candidate_id: str) -> None:
        if self._on_cancel is None:
            return
        task = asyncio.ensure_future(self._on_cancel(pipeline_id, candidate_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class PostgresWakeup:
    """Wakeup on the NOTIFY the event store sends in each append's transaction (and on listening again)."""

    def __init__(self, database: PostgresDatabase, listener: Listener) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._notified = self._seen = 0  # counted on the listener's thread too: none is lost before a loop waits
        listener.on(database.schema, lambda _payload: self._notify())
        listener.on_reconnect(self._notify)  # notifications may have been missed meanwhile

    async def wait(self, longest: float) -> None:
        if self._event is None:
            self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
        if self._notified == self._seen:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), longest)
        self._event.clear()
        self._seen = self._notified

    def _notify(self) -> None:  # on the listener's thread
        self._notified += 1
        loop, event = self._loop, self._event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)


class PostgresLeases:
    """Leases in table `leases`, their expiry on the server's clock (the workers' clocks need not agree)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def renew(self, session: str, seconds: float) -> None:
        query = (
            "INSERT INTO leases (session, expires) VALUES (%s, now() + make_interval(secs => %s))"
            " ON CONFLICT (session) DO UPDATE SET expires = EXCLUDED.expires"
        )
        await self._db.run(lambda conn: conn.execute(query, (session, seconds)), "cannot renew the lease")

    async def lapsed(self) -> set[str]:
        query = "SELECT session FROM leases WHERE expires < now()"
        rows = await self._db.run(lambda conn: conn.execute(query).fetchall(), "cannot read the leases")
        return {str(session) for (session,) in rows}

    async def release(self, session: str) -> None:
        query = "DELETE FROM leases WHERE session = %s"
        await self._db.run(lambda conn: conn.execute(query, (session,)), "cannot release the lease")


def open_signals(database: PostgresDatabase) -> Iterator[Signals]:
    """A `providers.Resource`: one LISTEN connection for the workspace's channels, closed when it ends."""
    listener = Listener(database)
    signals = Signals(
        PostgresCancelRequests(database, listener), PostgresWakeup(database, listener), PostgresLeases(database)
    )
    listener.start()
    try:
        yield signals
    finally:
        listener.close()
