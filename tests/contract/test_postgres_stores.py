"""The event store, projection, snapshot and response cache contracts against a real PostgreSQL server, plus
what only PostgreSQL shows: several processes appending, the schema's version, errors without the password."""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests import postgres_server
from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.event_store import PostgresEventStore
from writeit.adapters.postgres.projection_store import PostgresProjectionStore
from writeit.adapters.postgres.response_cache import PostgresResponseCache
from writeit.adapters.postgres.schema import VERSION, migrate, schema_name
from writeit.adapters.postgres.snapshots import PostgresSnapshotStore
from writeit.application.errors import StoreError

from .event_store_contract import EventStoreContract, stream
from .projection_store_contract import ProjectionStoreContract
from .response_cache_contract import ResponseCacheContract
from .test_snapshot_stores import SnapshotStoreContract

_names = itertools.count()


def workspace_name() -> str:
    """A workspace (so a schema) no other test of this session uses."""
    return f"t{os.getpid()}-{next(_names)}"


@pytest.fixture
def database(postgres_url: str) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(postgres_url, workspace_name()).open()
    try:
        yield database
    finally:
        database.close()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(psycopg.sql.Identifier(database.schema)))


@pytest.fixture
def event_store(database: PostgresDatabase) -> Iterator[PostgresEventStore]:
    store = PostgresEventStore(database)
    try:
        yield store
    finally:
        store.close()


class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, event_store: PostgresEventStore) -> PostgresEventStore:
        return event_store


class TestPostgresProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def projections(self, database: PostgresDatabase) -> PostgresProjectionStore:
        return PostgresProjectionStore(database)


class TestPostgresSnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    def snapshots(self, database: PostgresDatabase) -> PostgresSnapshotStore:
        return PostgresSnapshotStore(database)


class TestPostgresResponseCache(ResponseCacheContract):
    @pytest.fixture
    def cache(self, database: PostgresDatabase) -> PostgresResponseCache:
        return PostgresResponseCache(database)


# ----- what only PostgreSQL shows ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ann:hunter2-secret@127.0.0.1:1/team",
        "postgresql://ann:hunter2-secret@127.0.0.1:notaport/team",
        "host=127.0.0.1 port=1 user=ann password=hunter2-secret dbname=team",
    ],
)
def test_a_server_that_cannot_be_reached_is_named_without_the_password(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        PostgresDatabase(url, "default").open()
    assert "ann@127.0.0.1" in str(caught.value)
    assert "hunter2" not in str(caught.value)


async def test_a_new_workspace_gets_the_current_schema_once_and_reopening_migrates_nothing(postgres_url: str) -> None:
    name = workspace_name()
    first = PostgresDatabase(postgres_url, name).open()
    store = PostgresEventStore(first)
    await store.append("p1", stream("p1", 2), 0)
    store.close()
    first.close()
    with psycopg.connect(postgres_url) as conn:
        assert migrate(conn, schema_name(name)) == VERSION  # found at the current version: nothing to apply
        versions = conn.execute(f'SELECT version FROM "{schema_name(name)}".schema_version'.encode()).fetchall()
    assert [v for (v,) in versions] == list(range(1, VERSION + 1))
    again = PostgresDatabase(postgres_url, name).open()
    try:
        assert await PostgresEventStore(again).read("p1") == stream("p1", 2)
    finally:
        again.close()


def test_a_schema_made_by_a_newer_writeit_is_refused(database: PostgresDatabase, postgres_url: str) -> None:
    database.call(lambda conn: conn.execute(b"INSERT INTO schema_version (version) VALUES (99)"))
    with pytest.raises(StoreError, match=r"version 99, made by a newer WriteIt"):
        PostgresDatabase(postgres_url, database.schema.removeprefix("writeit_")).open()


def test_long_workspace_names_get_distinct_schemas_within_postgresqls_limit() -> None:
    long_a, long_b = "a" * 60 + "x", "a" * 60 + "y"
    assert schema_name("team") == "writeit_team"
    assert len(schema_name(long_a).encode()) <= 63
    assert schema_name(long_a) != schema_name(long_b)


async def test_the_notification_arrives_with_the_commit_and_names_the_last_position(
    event_store: PostgresEventStore, postgres_url: str, database: PostgresDatabase
) -> None:
    listener = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
    try:
        await listener.execute(f'LISTEN "{event_store.channel}"'.encode())
        await event_store.append("p1", stream("p1", 3), 0)
        notice = await anext(listener.notifies(timeout=5, stop_after=1))
        assert notice.payload == "3"
        assert [e.position for e in await event_store.read_all()] == [1, 2, 3]
    finally:
        await listener.close()


_APPEND_MANY = """
import asyncio, sys
from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.event_store import PostgresEventStore
from tests.contract.event_store_contract import stream

async def main(store, names):
    async def one(name):
        version = 0
        for _ in range(20):
            version = await store.append(name, stream(name, 3, first=version + 1), version)
    await asyncio.gather(*(one(name) for name in names))

database = PostgresDatabase(sys.argv[1], sys.argv[2]).open()
store = PostgresEventStore(database)
asyncio.run(main(store, sys.argv[3:]))
store.close()
database.close()
"""


async def test_writers_in_several_processes_get_gapless_positions_that_a_tailing_reader_never_skips(
    event_store: PostgresEventStore, database: PostgresDatabase, postgres_url: str
) -> None:
    workspace = database.schema.removeprefix("writeit_")
    root = Path(__file__).parents[2]
    writers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _APPEND_MANY, postgres_url, workspace, f"w{n}a", f"w{n}b", cwd=root
        )
        for n in range(3)
    ]
    seen: list[int] = []
    waiting = asyncio.gather(*(w.wait() for w in writers))
    while True:  # tail as a follower does, while they write
        done = waiting.done()
        seen += [e.position for e in await event_store.read_all(after=seen[-1] if seen else 0)]
        if done:
            break
        await asyncio.sleep(0.005)
    assert await waiting == [0, 0, 0]
    assert seen == list(range(1, 361))
    logged = await event_store.read_all(limit=1000)
    for name in [f"w{n}{x}" for n in range(3) for x in "ab"]:
        assert [e.event for e in logged if e.event.pipeline_id == name] == await event_store.read(name)


def test_without_the_server_binaries_the_fixture_fails_saying_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(glob, "glob", lambda pattern: [])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(postgres_server.ServerMissingError, match="apt-get install -y postgresql"):
        postgres_server.PostgresCluster()
