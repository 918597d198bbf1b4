"""Pipeline snapshots in LMDB: db "snapshots" (id → encoded state), tagged with the domain code that made them,
and db "snapshot_bodies" (the candidates and the texts they share, by pipeline and digest).

A snapshot is the fold of a pipeline's events by the code of its day. If the domain's state or the way events
are applied changes, an old snapshot would be wrong, so each one carries a digest of the domain's source
(the state, the aggregate, the events and how they apply): other code ignores it and replays.

Formats 3 to 6 are msgpack, and a pipeline's candidates and branches stay encoded until read (`LazyMap`): loading
costs the few values the tail and the next command touch, not the whole history (format 2, JSON decoded in full,
made a 100,000-event load 1.5 s of a 2.3 s replay). A branch is its own msgpack wrapped in a `bin`, so that
decoding the map skips it in one step instead of walking its fields.

Format 6 keeps each candidate out of the snapshot: the snapshot maps a candidate's id to the digest of its body,
and the body (its msgpack, with its prompt and system prompt as digests of texts stored once) is in
"snapshot_bodies" under the pipeline's id and that digest, read when the candidate is first used. A body is
written once, by the first snapshot that holds it, and never changed or removed, so a snapshot, and an aggregate
loaded from it, can always read every body it names; a new snapshot writes only the bodies of the candidates
used since the load. The 100,000-event benchmark pipeline's snapshot was 76 MB in format 5, of which the
candidates were nearly all, and copying it out of the map took most of a load. Formats 5 (the candidates in the
snapshot, their texts once each) and 2 (PostgreSQL's) are still read.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path
from typing import Any, Protocol, cast

import lmdb
import msgspec

from writeit.adapters.lmdb.environment import transact
from writeit.adapters.lmdb.lazy_map import LazyMap
from writeit.application.errors import StoreError
from writeit.domain import apply, events, pipeline, state, upcasters
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Branch, Candidate, Extraction, Judged

FORMAT = 6  # of the record below (2: JSON, decoded whole; 3: msgpack, candidates and branches decoded lazily;
# 4: 3 with the pipeline's judgements; 5: 4 with the candidates' prompts stored once each; 6: the candidates
# in a database of their own)
_READ = (5, FORMAT)  # the msgpack formats still read


class Bodies(Protocol):
    """Where a format 6 snapshot's candidates and texts are, by digest; equal readers read the same bodies."""

    def read(self, digests: Sequence[bytes]) -> list[bytes]:
        """The bodies stored under `digests`, in order; StoreError when one is missing."""
        ...


class Encoded(msgspec.Struct, frozen=True):
    """A snapshot as bytes, and the bodies it names that the store may not hold yet (by digest); and how it
    encoded each candidate and branch (to reuse while they do not change)."""

    value: bytes
    bodies: dict[bytes, bytes]
    candidates: dict[str, Any]
    branches: dict[str, Any]


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
    candidates: dict[str, msgspec.Raw]  # format 6: each a `bin` of its body's digest
    extractions: dict[str, Extraction]
    judgements: list[Judged]
    created_at: str
    updated_at: str


class _StateV5(_State, array_like=True):
    texts: dict[str, str]  # the candidates' shared texts by digest (not an attribute of Pipeline)


class _StoredCandidate(msgspec.Struct, array_like=True):
    """A candidate's body: its msgpack with `prompt` and `system` empty (a round's candidates repeat them), and
    the digests of those two texts, each stored once."""

    shared: tuple[bytes, bytes]
    body: bytes


class _StoredV5(msgspec.Struct, array_like=True):
    """A candidate in a format 5 snapshot: the same, its texts' digests being hex keys of the snapshot's `texts`."""

    shared: tuple[str, str]
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


_FIELDS = _State.__struct_fields__
# A snapshot missing an attribute would load a pipeline without it, silently: the record must hold them all.
_MISSING = set(vars(Pipeline(""))) - {"pending"} - set(_FIELDS)
if _MISSING:
    raise RuntimeError(f"snapshots do not hold Pipeline.{', '.join(sorted(_MISSING))}: add them to _State")
_LAZY = ("branches", "candidates")
_ENCODER = msgspec.msgpack.Encoder()
_HEAD = msgspec.msgpack.Decoder(tuple[int, str, msgspec.Raw])
_STATE = msgspec.msgpack.Decoder(_State)
_STATE_V5 = msgspec.msgpack.Decoder(_StateV5)
_V2_DECODER = msgspec.json.Decoder(_RecordV2)
_JSON_ENCODER = msgspec.json.Encoder()
_BIN = msgspec.msgpack.Decoder(bytes)
_STORED = msgspec.msgpack.Decoder(_StoredCandidate)
_STORED_V5 = msgspec.msgpack.Decoder(_StoredV5)
_CANDIDATE = msgspec.msgpack.Decoder(Candidate)
_BRANCH = msgspec.msgpack.Decoder(Branch)


def _v5_candidate(texts: dict[str, str], raw: msgspec.Raw) -> Candidate:
    stored = _STORED_V5.decode(raw)
    prompt, system = stored.shared
    return replace(_CANDIDATE.decode(stored.body), prompt=texts[prompt], system=texts[system])


class _Candidates:
    """Reads a format 6 snapshot's candidates from its bodies, with the texts they share read once each."""

    def __init__(self, bodies: Bodies) -> None:
        self.bodies = bodies
        self._texts: dict[bytes, str] = {}

    def map(self, encoded: dict[str, msgspec.Raw]) -> LazyMap:
        """The candidates, each decoded from its body when first read (all in one read when all are)."""
        return LazyMap(encoded, self.one, context=self, decode_many=self.many)

    def one(self, raw: msgspec.Raw) -> Candidate:
        return self.many([raw])[0]

    def many(self, raws: list[msgspec.Raw]) -> list[Candidate]:
        stored = [_STORED.decode(body) for body in self.bodies.read([_BIN.decode(raw) for raw in raws])]
        texts = self._texts
        wanted = list({d for s in stored for d in s.shared if d not in texts})
        if wanted:
            texts.update(zip(wanted, (body.decode() for body in self.bodies.read(wanted)), strict=True))
        decoded = []
        for s in stored:
            candidate = _CANDIDATE.decode(s.body)
            prompt, system = s.shared
            candidate.prompt, candidate.system = texts[prompt], texts[system]
            decoded.append(candidate)
        return decoded


def _stored_candidates(values: dict[str, Any], bodies: Bodies | None) -> tuple[dict[str, Any], dict[bytes, bytes]]:
    """The candidates as format 6 stores them in a snapshot, and the bodies (and texts) of those encoded here.
    Of candidates read from these same bodies, those never decoded, or not changed since a snapshot stored them,
    stay as stored; any other is encoded (all of them, read from elsewhere: what they keep names no body here)."""
    lazy = values if isinstance(values, LazyMap) and bodies is not None and _reads(values, bodies) else None
    new: dict[bytes, bytes] = {}
    if lazy is None:
        return {key: _stored(new, value) for key, value in values.items()}, new
    return lazy.encoded(partial(_stored, new)), new


def _stored(new: dict[bytes, bytes], value: Candidate) -> bytes:
    """The digest of the candidate's body, kept in `new` with the texts it refers to."""
    body = _ENCODER.encode(replace(value, prompt="", system=""))
    encoded = _ENCODER.encode(_StoredCandidate((_text(new, value.prompt), _text(new, value.system)), body))
    digest = _digest(encoded)
    new[digest] = encoded
    return digest


def _reads(values: LazyMap, bodies: Bodies) -> bool:
    """Whether `values` are candidates read from `bodies` (so the digests they keep name bodies there)."""
    return isinstance(values.context, _Candidates) and values.context.bodies == bodies


def _digest(value: bytes) -> bytes:
    return hashlib.blake2b(value, digest_size=16).digest()


def _text(new: dict[bytes, bytes], text: str) -> bytes:
    value = text.encode()
    digest = _digest(value)
    new[digest] = value
    return digest


def _branch(raw: msgspec.Raw) -> Branch:
    return _BRANCH.decode(_BIN.decode(raw))


def _wrapped(values: dict[str, Any]) -> dict[str, Any]:
    """Each value as its own msgpack in a `bin`; those a load never decoded are already that (a Raw), and those
    not changed since the last snapshot are as it stored them."""
    if not isinstance(values, LazyMap):
        return {k: _ENCODER.encode(v) for k, v in values.items()}
    return values.encoded(_ENCODER.encode)


@cache
def code_digest() -> str:
    digest = hashlib.sha256()
    for module in (apply, events, pipeline, state, upcasters):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def encode(p: Pipeline, bodies: Bodies | None = None) -> Encoded:
    """The snapshot of `p`, naming bodies that are in `bodies` (the store it will be saved to) or in the result."""
    fields = {name: getattr(p, name) for name in _FIELDS}
    fields["branches"] = branches = _wrapped(fields["branches"])
    candidates, new = _stored_candidates(fields["candidates"], bodies)
    fields["candidates"] = candidates
    value = _ENCODER.encode(_Record(FORMAT, code_digest(), _State(**fields)))
    return Encoded(value, new, candidates, branches)


def encode_json(p: Pipeline) -> bytes:
    """Format 2 (JSON, decoded whole on load), for a store that keeps text: PostgreSQL's `snapshots.data`."""
    for name in _LAZY:  # a Raw holds msgpack, which JSON cannot take as it is
        value = getattr(p, name)
        if isinstance(value, LazyMap):
            value.decode_all()
    state = _StateV2(**{name: getattr(p, name) for name in _FIELDS})
    return _JSON_ENCODER.encode(_RecordV2(2, code_digest(), state))


def decode(value: bytes, bodies: Bodies | None = None) -> Pipeline | None:
    """The aggregate stored as `value`, or None when other code (or a format not known) made it, or when it is
    format 6 and `bodies`, where its candidates are, is not given."""
    if value[:1] == b"{":
        return _decode_v2(value)
    try:
        version, code, raw = _HEAD.decode(value)
        if version not in _READ or code != code_digest() or (version == FORMAT and bodies is None):
            return None
        state = _STATE.decode(raw) if version == FORMAT else _STATE_V5.decode(raw)
    except msgspec.MsgspecError:
        return None
    p = _restore(state)
    p.branches = LazyMap(state.branches, _branch)
    if isinstance(state, _StateV5):
        texts = state.texts
        p.candidates = LazyMap(state.candidates, partial(_v5_candidate, texts), context=texts)
    else:  # format 6, whose bodies are given (checked above)
        p.candidates = _Candidates(cast(Bodies, bodies)).map(state.candidates)
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


@dataclass(frozen=True)
class _LmdbBodies:
    """A pipeline's bodies in db "snapshot_bodies": key = its id, NUL, a digest (16 bytes)."""

    env: lmdb.Environment
    db: lmdb._Database = field(compare=False)  # the environment's "snapshot_bodies", whichever handle
    prefix: bytes

    def read(self, digests: Sequence[bytes]) -> list[bytes]:
        keys = [self.prefix + d for d in digests]
        values: list[bytes | None] = transact(self.env, lambda txn: [txn.get(k, db=self.db) for k in keys])
        found = [v for v in values if v is not None]
        if len(found) < len(values):
            missing = digests[values.index(None)].hex()
            pipeline_id = self.prefix[:-1].decode(errors="replace")
            raise StoreError(f"the snapshot of pipeline {pipeline_id} names a body the store lacks ({missing})")
        return found


class LmdbSnapshotStore:
    """SnapshotStore on an open environment: one snapshot per pipeline, the latest saved."""

    def __init__(self, env: lmdb.Environment) -> None:
        self._env = env
        self._db = transact(env, lambda txn: env.open_db(b"snapshots", txn=txn), write=True)
        self._bodies = transact(env, lambda txn: env.open_db(b"snapshot_bodies", txn=txn), write=True)

    def _of(self, pipeline_id: str) -> _LmdbBodies:
        return _LmdbBodies(self._env, self._bodies, pipeline_id.encode() + b"\x00")

    async def load(self, pipeline_id: str) -> Pipeline | None:
        """The aggregate, its candidates read from this store when first used: use it while the store is open."""
        if "\x00" in pipeline_id or not pipeline_id:
            return None
        # Read off the event loop: a copy out of the map and a decode, a few MB for a long pipeline.
        work = partial(_load, self._db, pipeline_id.encode(), self._of(pipeline_id))
        return await asyncio.to_thread(transact, self._env, work)

    async def save(self, pipeline: Pipeline) -> None:
        bodies = self._of(pipeline.id)
        key, encoded = pipeline.id.encode(), encode(pipeline, bodies)
        remembered = _remember(pipeline, encoded, bodies)

        def write(txn: lmdb.Transaction[bytes]) -> None:
            for digest, body in encoded.bodies.items():  # a body already there is the same bytes: kept
                txn.put(bodies.prefix + digest, body, db=self._bodies, overwrite=False)
            txn.put(key, encoded.value, db=self._db)

        try:
            await asyncio.to_thread(transact, self._env, write, write=True)
        except BaseException:
            for values, token in remembered:
                values.saved(token, stored=False)
            raise
        for values, token in remembered:
            values.saved(token, stored=True)


def _remember(p: Pipeline, encoded: Encoded, bodies: _LmdbBodies) -> list[tuple[LazyMap, dict[str, Any]]]:
    """Have the aggregate's candidates and branches remember how `encoded` stores them, so that the next snapshot
    encodes only what changes until then (a replayed aggregate's plain dicts become maps that remember)."""
    candidates, branches = p.candidates, p.branches
    if not (isinstance(candidates, LazyMap) and _reads(candidates, bodies)):
        candidates = _Candidates(bodies).map({}).holding(dict(candidates.items()))
    if not isinstance(branches, LazyMap):
        branches = LazyMap({}, _branch).holding(branches)
    p.candidates, p.branches = candidates, branches
    return [(candidates, candidates.saving(encoded.candidates)), (branches, branches.saving(encoded.branches))]


def _load(db: lmdb._Database, key: bytes, bodies: _LmdbBodies, txn: lmdb.Transaction[bytes]) -> Pipeline | None:
    value = txn.get(key, db=db)
    return decode(bytes(value), bodies) if value is not None else None
