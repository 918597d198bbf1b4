"""PostgresResponseCache: recorded model answers in table `responses` of the workspace's schema."""

from __future__ import annotations

import json
from typing import Any

from writeit.adapters.postgres.database import PostgresDatabase
from writeit.application.errors import StoreError
from writeit.application.ports import RecordedResponse

_UPSERT = "INSERT INTO responses (key, data) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET data = excluded.data"
_MAX_KEY = 500  # the same limit as the LMDB cache, so a key either store takes the other takes too


class PostgresResponseCache:
    """ResponseCache: key → the answer as JSON (the LMDB cache's record)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def get(self, key: str) -> RecordedResponse | None:
        _check(key)
        row = await self._db.run(
            lambda conn: conn.execute("SELECT data FROM responses WHERE key = %s", (key,)).fetchone()
        )
        return None if row is None else _decode(key, str(row[0]))

    async def put(self, key: str, response: RecordedResponse) -> None:
        _check(key)
        record = {
            "model": response.model_id,
            "text": response.text,
            "in": response.input_tokens,
            "out": response.output_tokens,
        }
        value = json.dumps(record, ensure_ascii=False)
        await self._db.run(lambda conn: conn.execute(_UPSERT, (key, value)))


def _check(key: str) -> None:
    size = len(key.encode())
    if not size or size > _MAX_KEY or "\x00" in key:
        raise StoreError(f"a response cache key must be 1 to {_MAX_KEY} bytes without NUL, not {size} bytes")


def _decode(key: str, raw: str) -> RecordedResponse:
    try:
        data: Any = json.loads(raw)
        return RecordedResponse(
            model_id=str(data["model"]), text=str(data["text"]), input_tokens=data["in"], output_tokens=data["out"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"the recorded answer under {key[:12]} is unreadable: {exc}") from None
