"""Pipeline snapshots in PostgreSQL: table `snapshots`, in the LMDB store's format (tagged with the domain code)."""

from __future__ import annotations

import asyncio

from writeit.adapters.lmdb.snapshots import decode, encode_json
from writeit.adapters.postgres.database import PostgresDatabase
from writeit.domain.pipeline import Pipeline

_UPSERT = (
    "INSERT INTO snapshots (pipeline_id, data) VALUES (%s, %s)"
    " ON CONFLICT (pipeline_id) DO UPDATE SET data = excluded.data"
)


class PostgresSnapshotStore:
    """SnapshotStore: one snapshot per pipeline, the latest saved; one made by other domain code is ignored."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def load(self, pipeline_id: str) -> Pipeline | None:
        if "\x00" in pipeline_id or not pipeline_id:
            return None
        query = "SELECT data FROM snapshots WHERE pipeline_id = %s"
        row = await self._db.run(lambda conn: conn.execute(query, (pipeline_id,)).fetchone())
        return await asyncio.to_thread(decode, str(row[0]).encode()) if row is not None else None

    async def save(self, pipeline: Pipeline) -> None:
        key, value = pipeline.id, encode_json(pipeline).decode()  # format 2: the column is text
        await self._db.run(lambda conn: conn.execute(_UPSERT, (key, value)))
