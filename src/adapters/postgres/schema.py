"""The versioned schema of a workspace: a PostgreSQL schema of its own, created and migrated on first use."""

from __future__ import annotations

import hashlib

import psycopg
from psycopg import sql

from writeit.application.errors import StoreError

# Advisory lock classes (first key): one serialises migrations, one the global log's position assignment.
MIGRATION_LOCK = 0x57_49_00_01
APPEND_LOCK = 0x57_49_00_02
PREFIX = "writeit_"
_MAX_IDENTIFIER = 63  # PostgreSQL truncates longer names, which could make two workspaces share one schema

# Each migration takes the schema from the version before it to its own (1-based); never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE events (
        position bigint PRIMARY KEY,
        pipeline_id text COLLATE "C" NOT NULL,
        seq integer NOT NULL,
        data text NOT NULL,
        UNIQUE (pipeline_id, seq)
    );
    CREATE INDEX events_started ON events (position) WHERE seq = 1;
    CREATE TABLE projections (name text PRIMARY KEY, version integer NOT NULL, position bigint NOT NULL);
    CREATE TABLE projection_rows (
        name text NOT NULL, key text COLLATE "C" NOT NULL, data text NOT NULL, PRIMARY KEY (name, key)
    );
    CREATE TABLE snapshots (pipeline_id text PRIMARY KEY, data text NOT NULL);
    CREATE TABLE responses (key text PRIMARY KEY, data text NOT NULL);
    """,
    # 2: each process's lease, so that a worker on another machine can tell when one has died.
    "CREATE TABLE leases (session text PRIMARY KEY, expires timestamptz NOT NULL);",
)
VERSION = len(MIGRATIONS)


def schema_name(workspace: str) -> str:
    """`writeit_<workspace>`, or with a digest in place of its tail when that would pass PostgreSQL's limit."""
    name = PREFIX + workspace
    if len(name.encode()) <= _MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(workspace.encode()).hexdigest()[:12]
    return f"{name[: _MAX_IDENTIFIER - 13]}_{digest}"


def lock_key(schema: str) -> int:
    """A stable 32-bit key per schema for the second half of a two-key advisory lock."""
    return int.from_bytes(hashlib.sha256(schema.encode()).digest()[:4], "big", signed=True)


def migrate(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> int:
    """Create the schema or bring it to VERSION (one transaction, one migrator at a time); the version found."""
    ident = sql.Identifier(schema)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (MIGRATION_LOCK, lock_key(schema)))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
        conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {}.schema_version (version integer NOT NULL)").format(ident))
        row = conn.execute(sql.SQL("SELECT max(version) FROM {}.schema_version").format(ident)).fetchone()
        found = int(str(row[0])) if row and row[0] is not None else 0
        if found > VERSION:
            raise StoreError(
                f"the schema {schema} is at version {found}, made by a newer WriteIt (this one knows {VERSION})"
            )
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(ident))
        for version in range(found + 1, VERSION + 1):
            conn.execute(MIGRATIONS[version - 1].encode())
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
    return found
