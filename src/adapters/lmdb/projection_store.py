"""Projections in LMDB: a named db per projection, its rows and its tracking position in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import partial

import lmdb
import msgspec

from writeit.adapters.lmdb.environment import transact
from writeit.application.errors import StoreError
from writeit.application.ports import ProjectionState, Row

_STATE = b"\x00state"  # sorts before every row key (ids are never empty and never hold a NUL)
_ENCODER = msgspec.json.Encoder()
_STATE_DECODER = msgspec.json.Decoder(tuple[int, int])
_ROW_DECODER = msgspec.json.Decoder(dict[str, object])


class LmdbProjectionStore:
    """ProjectionStore on an open environment: db "projection.<name>" per projection."""

    def __init__(self, env: lmdb.Environment) -> None:
        self._env = env
        self._dbs: dict[str, lmdb._Database] = {}

    async def state(self, name: str) -> ProjectionState:
        db = self._db(name)
        return transact(self._env, partial(_state, db))

    async def reset(self, name: str, version: int) -> None:
        db = self._db(name)

        def work(txn: lmdb.Transaction[bytes]) -> None:
            txn.drop(db, delete=False)
            txn.put(_STATE, _ENCODER.encode((version, 0)), db=db)

        await asyncio.to_thread(transact, self._env, work, write=True)

    async def commit(self, name: str, expected: ProjectionState, position: int, rows: Mapping[str, Row]) -> bool:
        db = self._db(name)
        encoded = [(key.encode(), _ENCODER.encode(dict(row))) for key, row in rows.items()]

        def work(txn: lmdb.Transaction[bytes]) -> bool:
            if _state(db, txn) != expected:
                return False
            for key, value in encoded:
                txn.put(key, value, db=db)
            txn.put(_STATE, _ENCODER.encode((expected.version, position)), db=db)
            return True

        return await asyncio.to_thread(transact, self._env, work, write=True)

    async def rows(self, name: str) -> list[Row]:
        db = self._db(name)

        def work(txn: lmdb.Transaction[bytes]) -> list[Row]:
            cursor = txn.cursor(db=db)
            found = cursor.set_range(b"\x01")
            return [_ROW_DECODER.decode(value) for _, value in cursor] if found else []

        try:
            return await asyncio.to_thread(transact, self._env, work)
        except msgspec.DecodeError as exc:
            raise StoreError(f"the projection {name!r} is unreadable: {exc}") from exc

    def _db(self, name: str) -> lmdb._Database:
        db = self._dbs.get(name)
        if db is None:
            key = f"projection.{name}".encode()
            db = self._dbs[name] = transact(self._env, lambda txn: self._env.open_db(key, txn=txn), write=True)
        return db


def _state(db: lmdb._Database, txn: lmdb.Transaction[bytes]) -> ProjectionState:
    stored = txn.get(_STATE, db=db)
    if stored is None:
        return ProjectionState()
    try:
        version, position = _STATE_DECODER.decode(stored)
    except msgspec.DecodeError:
        return ProjectionState()  # unreadable: rebuilt from scratch, as if missing
    return ProjectionState(version, position)
