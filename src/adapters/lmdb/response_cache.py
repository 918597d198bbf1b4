"""LmdbResponseCache: recorded model answers in the workspace's LMDB environment, in a named db of their own."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import lmdb

from writeit.adapters.lmdb.environment import transact
from writeit.application.errors import StoreError
from writeit.application.ports import RecordedResponse

_DB = b"responses"
_MAX_KEY = 500  # LMDB refuses keys over 511 bytes; the application's keys are 64-character digests


class LmdbResponseCache:
    """ResponseCache on an open environment: db "responses", key → JSON. Reads and writes run in a thread."""

    def __init__(self, env: lmdb.Environment) -> None:
        self._env = env
        self._db = transact(env, lambda txn: env.open_db(_DB, txn=txn), write=True)

    async def get(self, key: str) -> RecordedResponse | None:
        raw = await asyncio.to_thread(transact, self._env, lambda txn: txn.get(_key(key), db=self._db))
        return None if raw is None else _decode(key, raw)

    async def put(self, key: str, response: RecordedResponse) -> None:
        value = json.dumps(
            {
                "model": response.model_id,
                "text": response.text,
                "in": response.input_tokens,
                "out": response.output_tokens,
            },
            ensure_ascii=False,
        ).encode()
        await asyncio.to_thread(transact, self._env, lambda txn: txn.put(_key(key), value, db=self._db), write=True)


def _key(key: str) -> bytes:
    encoded = key.encode()
    if not encoded or len(encoded) > _MAX_KEY:
        raise StoreError(f"a response cache key must be 1 to {_MAX_KEY} bytes, not {len(encoded)}")
    return encoded


def _decode(key: str, raw: bytes) -> RecordedResponse:
    try:
        data: Any = json.loads(raw)
        return RecordedResponse(
            model_id=str(data["model"]), text=str(data["text"]), input_tokens=data["in"], output_tokens=data["out"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"the recorded answer under {key[:12]} is unreadable: {exc}") from None
