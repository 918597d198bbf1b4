"""The event store, projection, snapshot and response cache contracts against a real PostgreSQL server, plus
what only PostgreSQL shows: several processes appending, the schema's version, errors without the password."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest

from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.event_store import PostgresEventStore
from writeit.adapters.postgres.projection_store import PostgresProjectionStore
from writeit.adapters.postgres.response_cache import PostgresResponseCache
from writeit.adapters.postgres.snapshots import PostgresSnapshotStore

from .event_store_contract import EventStoreContract
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
