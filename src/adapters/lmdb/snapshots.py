"""Pipeline snapshots in LMDB: db "snapshots" (id → encoded state), tagged with the domain code that made them.

A snapshot is the fold of a pipeline's events by the code of its day. If the domain's state or the way events
are applied changes, an old snapshot would be wrong, so each one carries a digest of the domain's source
(the state, the aggregate, the events and how they apply): other code ignores it and replays.

Formats 3 to 5 (4 adds the judgements) are msgpack, and a pipeline's candidates and branches stay encoded until
read (`LazyMap`): loading costs the few values the tail and the next command touch, not the whole history (format 2,
JSON decoded in full, made a 100,000-event load 1.5 s of a 2.3 s replay). Each such value is its own msgpack wrapped
in a `bin`, so that decoding the map skips a value in one step instead of walking its fields (10 ms, not 150 ms, for
50,000 candidates). Format 5 stores each distinct prompt and system prompt once (`texts`, by digest), a candidate
being a pair of their digests and its `bin`: a round's candidates share them, and the 100,000-event benchmark
pipeline's 50,000 copies of one prompt were 23.6 MB of its 97 MB snapshot. Format 2 snapshots are still read.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import Any

import lmdb
import msgspec

from writeit.adapters.lmdb.environment import transact
from writeit.adapters.lmdb.lazy_map import LazyMap
from writeit.domain import apply, events, pipeline, state, upcasters
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Branch, Candidate, Extraction, Judged

FORMAT = 5  # of the record below (2: JSON, decoded whole; 3: msgpack, candidates and branches decoded lazily;
# 4: 3 with the pipeline's judgements; 5: 4 with the candidates' prompts stored once each)


class _State(msgspec.Struct, array_like=True):
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
    branches: dict[str, msgspec.Raw]
    current_branch: str
    candidates: dict[str, msgspec.Raw]
    extractions: dict[str, Extraction]
    judgements: list[Judged]
    created_at: str
    updated_at: str
    texts: dict[str, str]  # the candidates' shared texts by digest (not an attribute of Pipeline)


class _StoredCandidate(msgspec.Struct, array_like=True):
    """A candidate in a format 5 snapshot: its msgpack with `prompt` and `system` empty (a round's candidates
    repeat them), and their digests in `texts`."""

    shared: tuple[str, str]  # the digests of its prompt and system prompt
    body: bytes


class _Record(msgspec.Struct, array_like=True):
    format: int
    code: str
    state: _State


class _StateV2(msgspec.Struct):
    """Format 2's state: the same attributes, every one decoded."""

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


class _RecordV2(msgspec.Struct):
    format: int
    code: str
    state: _StateV2


_FIELDS = tuple(name for name in _State.__struct_fields__ if name != "texts")
# A snapshot missing an attribute would load a pipeline without it, silently: the record must hold them all.
_MISSING = set(vars(Pipeline(""))) - {"pending"} - set(_FIELDS)
if _MISSING:
    raise RuntimeError(f"snapshots do not hold Pipeline.{', '.join(sorted(_MISSING))}: add them to _State")
_LAZY = ("branches", "candidates")
_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(_Record)
_V2_DECODER = msgspec.json.Decoder(_RecordV2)
_JSON_ENCODER = msgspec.json.Encoder()
_BIN = msgspec.msgpack.Decoder(bytes)
_STORED = msgspec.msgpack.Decoder(_StoredCandidate)
_CANDIDATE = msgspec.msgpack.Decoder(Candidate)
_BRANCH = msgspec.msgpack.Decoder(Branch)


def _candidate(texts: dict[str, str], raw: msgspec.Raw) -> Candidate:
    stored = _STORED.decode(raw)
    prompt, system = stored.shared
    return replace(_CANDIDATE.decode(stored.body), prompt=texts[prompt], system=texts[system])


def _stored_candidates(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The candidates as format 5 stores them, and the texts they share; those a load never decoded stay as they
    are, with the texts of the snapshot they came from."""
    texts: dict[str, str] = dict(values.context or {}) if isinstance(values, LazyMap) else {}
    items = values.raw_items() if isinstance(values, LazyMap) else values.items()
    stored: dict[str, Any] = {}
    for key, value in items:
        if type(value) is msgspec.Raw:
            stored[key] = value
            continue
        body = _ENCODER.encode(replace(value, prompt="", system=""))
        stored[key] = _StoredCandidate((_digest(texts, value.prompt), _digest(texts, value.system)), body)
    return stored, texts


def _digest(texts: dict[str, str], text: str) -> str:
    digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    texts[digest] = text
    return digest


def _branch(raw: msgspec.Raw) -> Branch:
    return _BRANCH.decode(_BIN.decode(raw))


def _wrapped(values: dict[str, Any]) -> dict[str, Any]:
    """Each value as its own msgpack in a `bin`; those a load never decoded are already that (a Raw)."""
    items = values.raw_items() if isinstance(values, LazyMap) else values.items()
    return {k: v if type(v) is msgspec.Raw else _ENCODER.encode(v) for k, v in items}


@cache
def code_digest() -> str:
    digest = hashlib.sha256()
    for module in (apply, events, pipeline, state, upcasters):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def encode(p: Pipeline) -> bytes:
    fields = {name: getattr(p, name) for name in _FIELDS}
    fields["branches"] = _wrapped(fields["branches"])
    fields["candidates"], texts = _stored_candidates(fields["candidates"])
    return _ENCODER.encode(_Record(FORMAT, code_digest(), _State(**fields, texts=texts)))


def encode_json(p: Pipeline) -> bytes:
    """Format 2 (JSON, decoded whole on load), for a store that keeps text: PostgreSQL's `snapshots.data`."""
    for name in _LAZY:  # a Raw holds msgpack, which JSON cannot take as it is
        value = getattr(p, name)
        if isinstance(value, LazyMap):
            value.decode_all()
    state = _StateV2(**{name: getattr(p, name) for name in _FIELDS})
    return _JSON_ENCODER.encode(_RecordV2(2, code_digest(), state))


def decode(value: bytes) -> Pipeline | None:
    """The aggregate stored as `value`, or None when other code (or a format not known) made it."""
    if value[:1] == b"{":
        return _decode_v2(value)
    try:
        record = _DECODER.decode(value)
    except msgspec.MsgspecError:
        return None
    if record.format != FORMAT or record.code != code_digest():
        return None
    p = _restore(record.state)
    p.branches = LazyMap(record.state.branches, _branch)
    texts = record.state.texts
    p.candidates = LazyMap(record.state.candidates, partial(_candidate, texts), context=texts)
    return p


def _decode_v2(value: bytes) -> Pipeline | None:
    try:
        record = _V2_DECODER.decode(value)
    except msgspec.MsgspecError:
        return None
    if record.format != 2 or record.code != code_digest():
        return None
    return _restore(record.state, lazy=False)


def _restore(state: _State | _StateV2, *, lazy: bool = True) -> Pipeline:
    p = Pipeline(state.id)
    for name in _FIELDS:
        if not lazy or name not in _LAZY:
            setattr(p, name, getattr(state, name))
    return p


class LmdbSnapshotStore:
    """SnapshotStore on an open environment: one snapshot per pipeline, the latest saved."""

    def __init__(self, env: lmdb.Environment) -> None:
        self._env = env
        self._db = transact(env, lambda txn: env.open_db(b"snapshots", txn=txn), write=True)

    async def load(self, pipeline_id: str) -> Pipeline | None:
        if "\x00" in pipeline_id or not pipeline_id:
            return None
        # Read off the event loop too: a 100,000-event pipeline's snapshot is 76 MB, and copying it out of the map
        # takes about as long as decoding it (reading the values in place and copying each one was slower).
        return await asyncio.to_thread(transact, self._env, partial(_load, self._db, pipeline_id.encode()))

    async def save(self, pipeline: Pipeline) -> None:
        key, value = pipeline.id.encode(), encode(pipeline)
        await asyncio.to_thread(transact, self._env, lambda txn: txn.put(key, value, db=self._db), write=True)


def _load(db: lmdb._Database, key: bytes, txn: lmdb.Transaction[bytes]) -> Pipeline | None:
    value = txn.get(key, db=db)
    return decode(bytes(value)) if value is not None else None
