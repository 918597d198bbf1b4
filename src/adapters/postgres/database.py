"""A workspace's PostgreSQL database: a pool of connections on its own schema, and errors without passwords."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg
import psycopg_pool
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from writeit.adapters.postgres.schema import migrate, schema_name
from writeit.application.errors import StoreError

T = TypeVar("T")
Connection = psycopg.Connection[tuple[object, ...]]
CONNECT_TIMEOUT = 10  # seconds: a server that does not answer is reported, not waited on forever


def describe(url: str) -> str:
    """The server as `postgresql://user@host:port/db`: enough to find it, never its password."""
    try:
        parts = {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except psycopg.Error:
        return "postgresql://(an unreadable address)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', 'localhost')}{port}/{parts.get('dbname', '')}"


def _password(url: str) -> str:
    try:
        return str(conninfo_to_dict(url).get("password") or "")
    except psycopg.Error:
        return ""


class PostgresDatabase:
    """One workspace's schema on a server, reached through a pool (psycopg's, thread-safe).

    The adapters run their queries in worker threads (`run`), so the pool is not tied to an event loop:
    the container opens stores before a loop runs (the TUI's tests) and loops come and go (one per command).
    """

    def __init__(self, url: str, workspace: str = "default", *, max_size: int = 8) -> None:
        self.where = describe(url)
        self.schema = schema_name(workspace)
        self._url = url
        self._secret = _password(url)
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            open=False,
            configure=self._configure,
            kwargs={"connect_timeout": CONNECT_TIMEOUT, "application_name": "writeit"},
            timeout=CONNECT_TIMEOUT,
            name="writeit",
        )

    def open(self) -> PostgresDatabase:
        """Connect once directly (its error says why the server cannot be reached), migrate, open the pool."""
        with self.translated("cannot open the store"):
            with psycopg.connect(self._url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
                migrate(conn, self.schema)
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        return self

    def close(self) -> None:
        self._pool.close()

    def connect(self) -> Connection:
        """A connection of its own (outside the pool, autocommit), for one that listens or notifies for long."""
        with self.translated("cannot connect"):
            return psycopg.connect(self._url, connect_timeout=CONNECT_TIMEOUT, autocommit=True)

    def call(self, work: Callable[[Connection], T], what: str = "the store failed") -> T:
        """Run `work` on a pooled connection in one transaction (committed if it returns), here and now."""
        with self.translated(what), self._pool.connection() as conn:
            return work(conn)

    async def run(self, work: Callable[[Connection], T], what: str = "the store failed") -> T:
        return await asyncio.to_thread(self.call, work, what)

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """A pooled connection held for a while (the log writer's); errors are translated."""
        with self.translated("the store failed"), self._pool.connection() as conn:
            yield conn

    @contextlib.contextmanager
    def translated(self, what: str) -> Iterator[None]:
        """psycopg and pool errors become StoreErrors naming the server and schema, never the password."""
        try:
            yield
        except (psycopg.Error, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed) as exc:
            raise StoreError(f"{what}: {self._scrub(str(exc))} (store: {self.where}, schema {self.schema})") from None

    def _scrub(self, message: str) -> str:
        first = message.strip().splitlines()[0] if message.strip() else "no details"
        return first.replace(self._secret, "***") if self._secret else first

    def _configure(self, conn: Connection) -> None:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        conn.commit()


def open_database(url: str, workspace: str) -> Iterator[PostgresDatabase]:
    """A `providers.Resource`: the workspace's database, migrated and pooled; closed when the resource ends."""
    database = PostgresDatabase(url, workspace).open()
    try:
        yield database
    finally:
        database.close()
