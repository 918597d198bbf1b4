"""Projections in PostgreSQL: rows and the tracking position changed together in one transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping

from writeit.adapters.postgres.database import Connection, PostgresDatabase
from writeit.application.errors import StoreError
from writeit.application.ports import ProjectionState, Row

_UPSERT = (
    "INSERT INTO projection_rows (name, key, data) VALUES (%s, %s, %s)"
    " ON CONFLICT (name, key) DO UPDATE SET data = excluded.data"
)


class PostgresProjectionStore:
    """ProjectionStore on tables `projections` (name → version, position) and `projection_rows`.

    A commit moves the position with `UPDATE ... WHERE version and position are the expected ones`: two
    writers from one state queue on the row's lock, and the second finds it moved and stores nothing.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def state(self, name: str) -> ProjectionState:
        return await self._db.run(lambda conn: _state(conn, name))

    async def reset(self, name: str, version: int) -> None:
        def work(conn: Connection) -> None:
            conn.execute("DELETE FROM projection_rows WHERE name = %s", (name,))
            conn.execute(
                "INSERT INTO projections (name, version, position) VALUES (%s, %s, 0)"
                " ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = 0",
                (name, version),
            )

        await self._db.run(work)

    async def commit(self, name: str, expected: ProjectionState, position: int, rows: Mapping[str, Row]) -> bool:
        encoded = [(name, key, json.dumps(dict(row), ensure_ascii=False)) for key, row in rows.items()]

        def work(conn: Connection) -> bool:
            if expected == ProjectionState():  # never built: the state row may not exist yet
                conn.execute(
                    "INSERT INTO projections (name, version, position) VALUES (%s, 0, 0) ON CONFLICT DO NOTHING",
                    (name,),
                )
            moved = conn.execute(
                "UPDATE projections SET position = %s WHERE name = %s AND version = %s AND position = %s",
                (position, name, expected.version, expected.position),
            )
            if moved.rowcount != 1:
                conn.rollback()
                return False
            with conn.cursor() as cursor:
                cursor.executemany(_UPSERT, encoded)
            return True

        return await self._db.run(work)

    async def rows(self, name: str) -> list[Row]:
        query = "SELECT data FROM projection_rows WHERE name = %s ORDER BY key"
        found = await self._db.run(lambda conn: conn.execute(query, (name,)).fetchall())
        try:
            return [json.loads(str(data)) for (data,) in found]
        except ValueError as exc:
            raise StoreError(f"the projection {name!r} is unreadable: {exc}") from exc


def _state(conn: Connection, name: str) -> ProjectionState:
    row = conn.execute("SELECT version, position FROM projections WHERE name = %s", (name,)).fetchone()
    return ProjectionState() if row is None else ProjectionState(int(str(row[0])), int(str(row[1])))
