"""Pipeline snapshots in LMDB: db "snapshots" (id → JSON state), tagged with the domain code that made them.

A snapshot is the fold of a pipeline's events by the code of its day. If the domain's state or the way events
are applied changes, an old snapshot would be wrong, so each one carries a digest of the domain's source
(the state, the aggregate, the events and how they apply): other code ignores it and replays.
"""

from __future__ import annotations

import asyncio
import hashlib
from functools import cache, partial
from pathlib import Path
from typing import Any

import lmdb
import msgspec

from writeit.adapters.lmdb.environment import transact
from writeit.domain import apply, events, pipeline, state, upcasters
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Branch, Candidate, Extraction, Judged

FORMAT = 3  # of the record below (2: with the pipeline's fragments; 3: with its judgements)


class _State(msgspec.Struct):
    """Every attribute of a Pipeline but `pending` (events not stored yet are never snapshotted)."""

    id: str
    version: int
    template_name: str
    template_source: str
    template_text: str
    step_keys: tuple[str, ...]
    inputs: dict[str, Any]
    models: tuple[str, ...]
    fragments: tuple[dict[str, str], ...]
    branches: dict[str, Branch]
    current_branch: str
    candidates: dict[str, Candidate]
    extractions: dict[str, Extraction]
    judgements: list[Judged]
    created_at: str
    updated_at: str


class _Record(msgspec.Struct):
    format: int
    code: str
    state: _State


_FIELDS = tuple(_State.__struct_fields__)
# A snapshot missing an attribute would load a pipeline without it, silently: the record must hold them all.
_MISSING = set(vars(Pipeline(""))) - {"pending"} - set(_FIELDS)
if _MISSING:
    raise RuntimeError(f"snapshots do not hold Pipeline.{', '.join(sorted(_MISSING))}: add them to _State")
_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(_Record)


@cache
def code_digest() -> str:
    digest = hashlib.sha256()
    for module in (apply, events, pipeline, state, upcasters):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def encode(p: Pipeline) -> bytes:
    snapshot = _State(**{name: getattr(p, name) for name in _FIELDS})
    return _ENCODER.encode(_Record(FORMAT, code_digest(), snapshot))


def decode(value: bytes) -> Pipeline | None:
    """The aggregate stored as `value`, or None when other code (or another format) made it."""
    try:
        record = _DECODER.decode(value)
    except msgspec.MsgspecError:
        return None
    if record.format != FORMAT or record.code != code_digest():
        return None
    p = Pipeline(record.state.id)
    for name in _FIELDS:
        setattr(p, name, getattr(record.state, name))
    return p


class LmdbSnapshotStore:
    """SnapshotStore on an open environment: one snapshot per pipeline, the latest saved."""

    def __init__(self, env: lmdb.Environment) -> None:
        self._env = env
        self._db = transact(env, lambda txn: env.open_db(b"snapshots", txn=txn), write=True)

    async def load(self, pipeline_id: str) -> Pipeline | None:
        if "\x00" in pipeline_id or not pipeline_id:
            return None
        value = transact(self._env, partial(_get, self._db, pipeline_id.encode()))
        return await asyncio.to_thread(decode, value) if value is not None else None

    async def save(self, pipeline: Pipeline) -> None:
        key, value = pipeline.id.encode(), encode(pipeline)
        await asyncio.to_thread(transact, self._env, lambda txn: txn.put(key, value, db=self._db), write=True)


def _get(db: lmdb._Database, key: bytes, txn: lmdb.Transaction[bytes]) -> bytes | None:
    value = txn.get(key, db=db)
    return bytes(value) if value is not None else None
