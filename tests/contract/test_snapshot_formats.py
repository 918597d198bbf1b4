"""Snapshot formats 3 and later (msgpack, candidates and branches decoded on first read; since 6, candidates read
from bodies of their own): a lazily loaded aggregate acts as the replayed one whatever is read or changed,
re-snapshots correctly half decoded, and stores with format 2 or 5 snapshots still open."""

from __future__ import annotations

import asyncio
import copy
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.kept_bodies import KeptBodies
from tests.contract.test_snapshot_stores import COMMANDS, busy_pipeline, drive, environment, state_of
from tests.unit.builders import Clock, template
from writeit.adapters.lmdb import snapshots
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.lmdb.lazy_map import LazyMap
from writeit.adapters.lmdb.snapshots import LmdbSnapshotStore
from writeit.application.errors import StoreError
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository
from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.state import Candidate


def format_2(p: Pipeline) -> bytes:
    """A snapshot as the previous release wrote it (and PostgreSQL still does): JSON, decoded whole."""
    state = {name: getattr(p, name) for name in snapshots._FIELDS}
    written = msgspec.json.encode({"format": 2, "code": snapshots.code_digest(), "state": state})
    assert msgspec.json.decode(snapshots.encode_json(p)) == msgspec.json.decode(written)
    return written


def _put(env: Any, key: bytes, value: bytes) -> None:
    with env.begin(write=True) as txn:
        txn.put(key, value, db=env.open_db(b"snapshots", txn=txn))


async def test_a_snapshot_of_a_format_no_release_wrote_is_ignored(tmp_path: Path) -> None:
    with environment(tmp_path) as env:
        _put(env, b"p1", msgspec.msgpack.encode([9, snapshots.code_digest(), []]))
        _put(env, b"p2", b"{not json")
        assert await LmdbSnapshotStore(env).load("p1") is None
        assert await LmdbSnapshotStore(env).load("p2") is None


async def test_a_long_pipeline_loads_decoding_only_what_its_tail_touches(tmp_path: Path) -> None:
    events = drive([("generate", n) if n % 3 else ("select", n) for n in range(60)])
    with environment(tmp_path) as env:
        store = LmdbEventStore(env)
        try:
            await store.append("p1", events, expected_version=0)
            await LmdbSnapshotStore(env).save(Pipeline.replay(events[:-2]))
            repo = PipelineRepository(store, StreamHub(), snapshots=LmdbSnapshotStore(env))
            loaded = await repo.load("p1")
            candidates = loaded.candidates
            assert isinstance(candidates, LazyMap)
            untouched = sum(type(v) is msgspec.Raw for v in dict.values(candidates))
            assert untouched >= len(candidates) - 4  # the cache measured it without decoding
            assert state_of(loaded) == state_of(Pipeline.replay(events))
        finally:
            store.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=COMMANDS, cuts=st.tuples(st.floats(0, 1), st.floats(0, 1)), old=st.booleans())
def test_snapshots_taken_of_half_decoded_aggregates_plus_their_tails_equal_a_full_replay(
    commands: list[tuple[str, int]], cuts: tuple[float, float], old: bool
) -> None:
    """Snapshot at `first`, load it (format 2 or 6), apply events up to `second` (decoding some candidates),
    snapshot that again, load it and apply the rest: always the full replay."""
    events = drive(commands)
    first, second = sorted(max(1, int(len(events) * c)) for c in cuts)
    base = Pipeline.replay(events[:first])
    kept = KeptBodies()
    restored = kept.decode(format_2(base)) if old else kept.round_trip(base)
    assert restored is not None
    for event in events[first:second]:
        restored.apply(event)
    again = kept.round_trip(restored)
    for event in events[second:]:
        again.apply(event)
    assert state_of(again) == state_of(Pipeline.replay(events))


OPS = st.lists(
    st.tuples(st.sampled_from(["get", "getitem", "set", "pop", "setdefault", "del", "in", "values", "items", "update",
                               "ior", "clear", "popitem"]),
              st.sampled_from(["a", "b", "c", "z"])),
    max_size=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(ops=OPS, many=st.booleans())
def test_a_lazy_map_answers_every_dict_operation_as_the_decoded_dict_would(
    ops: list[tuple[str, str]], many: bool
) -> None:
    """Whether it decodes its values one by one or, when all are wanted, in one go (`decode_many`)."""
    plain = {"a": [1], "b": {"x": "ü"}, "c": "text"}
    lazy = _lazy(plain, many=many)
    for name, key in ops:
        results = [_op(m, name, key) for m in (plain, lazy)]
        assert results[0] == results[1], (name, key)
        assert len(lazy) == len(plain)
        assert list(lazy) == list(plain)
    for convert in (dict, lambda m: {**m}, lambda m: m.copy(), copy.deepcopy, lambda m: m | {}, repr, lambda m: m):
        assert convert(_lazy(plain, many=many)) == convert(plain)  # a fresh one each time: none decoded yet


def _lazy(values: dict[str, Any], *, many: bool = False) -> LazyMap:
    encoded = {k: msgspec.Raw(msgspec.msgpack.encode(v)) for k, v in values.items()}
    if not many:
        return LazyMap(encoded, msgspec.msgpack.decode)
    return LazyMap(encoded, msgspec.msgpack.decode, decode_many=lambda raws: [msgspec.msgpack.decode(r) for r in raws])


def _op(m: dict[str, Any], name: str, key: str) -> Any:
    try:
        match name:
            case "get":
                return m.get(key, "default")
            case "getitem":
                return m[key]
            case "set":
                m[key] = ["new", key]
                return None
            case "pop":
                return m.pop(key, "gone")
            case "setdefault":
                return m.setdefault(key, "set")
            case "del":
                del m[key]
                return None
            case "in":
                return key in m
            case "update":
                m.update({key: ["updated", key]}, z=[key])
                return None
            case "ior":
                m |= {key: ["or", key]}
                return None
            case "clear":
                m.clear()
                return None
            case "popitem":
                return m.popitem() if m else None
            case "values":
                return list(m.values())
            case _:
                return list(m.items())
    except KeyError as exc:
        return ("KeyError", str(exc))


@pytest.mark.parametrize("decode_first", [False, True])
def test_the_busy_pipeline_round_trips_whether_or_not_it_was_read(decode_first: bool) -> None:
    p = busy_pipeline()
    p.collect()
    kept = KeptBodies()
    loaded = kept.round_trip(p)
    if decode_first:
        assert state_of(loaded) == state_of(p)
    assert state_of(kept.round_trip(loaded)) == state_of(p)


def _rounds_sharing_a_prompt(prompt: str) -> Pipeline:
    clock = Clock()
    p = Pipeline.start("p1", template(), {"topic": "LMDB"}, clock())
    p.start_step("angles", [(f"c{i}", "echo") for i in range(20)], clock(), prompt=prompt, system="Be brief.")
    p.collect()
    return p


def test_a_snapshot_names_its_candidates_whose_bodies_and_shared_prompt_are_stored_once() -> None:
    prompt = "Write the angles of an article about LMDB for engineers. " * 40
    p = _rounds_sharing_a_prompt(prompt)
    encoded = snapshots.encode(p)
    assert prompt.encode() not in encoded.value  # the snapshot holds the candidates' ids and digests
    assert len(encoded.value) < len(prompt)
    assert sum(body.count(prompt.encode()) for body in encoded.bodies.values()) == 1
    assert len(encoded.bodies) == 20 + 2  # the candidates, the prompt and the system prompt
    kept = KeptBodies()
    half = kept.round_trip(p)
    assert half.candidates["c3"].prompt == prompt  # one decoded, the others kept as stored
    again = kept.round_trip(half)
    assert [again.candidates[f"c{i}"].prompt for i in range(20)] == [prompt] * 20
    assert state_of(again) == state_of(p)


def format_5(p: Pipeline) -> bytes:
    """A snapshot as the previous release wrote it: msgpack, the candidates inside it, their texts once each."""
    texts: dict[str, str] = {}

    def digest(text: str) -> str:
        key = f"{len(texts):024x}"
        texts.setdefault(text, key)
        return texts[text]

    candidates = {}
    for key, c in p.candidates.items():
        body = msgspec.msgpack.encode(replace(c, prompt="", system=""))
        candidates[key] = [[digest(c.prompt), digest(c.system)], body]
    fields = {name: getattr(p, name) for name in snapshots._FIELDS}
    fields["branches"] = {k: msgspec.msgpack.encode(v) for k, v in p.branches.items()}
    fields["candidates"] = candidates
    state = [*fields.values(), {key: text for text, key in texts.items()}]
    return msgspec.msgpack.encode([5, snapshots.code_digest(), state])


@pytest.mark.parametrize("older", [format_2, format_5], ids=["format 2", "format 5"])
async def test_a_store_with_older_snapshots_still_opens_from_them_and_saves_format_6(
    tmp_path: Path, older: Callable[[Pipeline], bytes]
) -> None:
    events = drive([("generate", 0), ("select", 1), ("feedback", 2), ("fork", 1), ("generate", 3)] * 3)
    with environment(tmp_path) as env:
        store = LmdbEventStore(env)
        try:
            await store.append("p1", events, expected_version=0)
            at = len(events) - 3
            _put(env, b"p1", older(Pipeline.replay(events[:at])))
            loaded = await LmdbSnapshotStore(env).load("p1")
            assert loaded is not None
            assert loaded.version == at
            assert state_of(loaded) == state_of(Pipeline.replay(events[:at]))
            again = await LmdbSnapshotStore(env).load("p1")
            assert again is not None
            await LmdbSnapshotStore(env).save(again)  # format 6 now, its candidates in bodies of their own
            with env.begin() as txn:
                value = txn.get(b"p1", db=env.open_db(b"snapshots", txn=txn))
            assert value is not None
            assert msgspec.msgpack.decode(value)[0] == 6
            repo = PipelineRepository(store, StreamHub(), snapshots=LmdbSnapshotStore(env))
            assert state_of(await repo.load("p1")) == state_of(Pipeline.replay(events))
        finally:
            store.close()


def _bodies(env: Any) -> int:
    with env.begin() as txn:
        return int(txn.stat(env.open_db(b"snapshot_bodies", txn=txn))["entries"])


async def test_a_new_snapshot_writes_the_bodies_of_the_candidates_used_since_the_load_only(tmp_path: Path) -> None:
    prompt = "Write the angles. " * 20
    p = _rounds_sharing_a_prompt(prompt)
    with environment(tmp_path) as env:
        snaps = LmdbSnapshotStore(env)
        await snaps.save(p)
        assert _bodies(env) == 22
        loaded = await snaps.load("p1")
        assert loaded is not None
        answer = CandidateOutput(model="echo", text="seven", prompt=prompt, system="Be brief.")
        loaded.complete_candidate("c7", answer, Clock()())
        loaded.collect()
        await snaps.save(loaded)
        assert _bodies(env) == 23  # c7 as it is now; its old body stays for whoever loaded the first snapshot
        candidates = loaded.candidates
        assert isinstance(candidates, LazyMap)
        assert sum(type(v) is msgspec.Raw for v in dict.values(candidates)) == 19
        fresh = await snaps.load("p1")
        assert fresh is not None
        assert fresh.candidates["c7"].text == "seven"
        assert state_of(fresh) == state_of(loaded)


async def test_a_pipeline_loaded_from_one_store_and_saved_to_another_carries_its_candidates(tmp_path: Path) -> None:
    p = busy_pipeline()
    p.collect()
    with environment(tmp_path / "a") as env:
        await LmdbSnapshotStore(env).save(p)
        loaded = await LmdbSnapshotStore(env).load("p1")
        assert loaded is not None
        with environment(tmp_path / "b") as other:
            await LmdbSnapshotStore(other).save(loaded)
    with environment(tmp_path / "b") as other:
        copied = await LmdbSnapshotStore(other).load("p1")
        assert copied is not None
        assert state_of(copied) == state_of(p)


async def test_a_body_missing_from_the_store_is_named_when_its_candidate_is_read(tmp_path: Path) -> None:
    p = busy_pipeline()
    p.collect()
    with environment(tmp_path) as env:
        await LmdbSnapshotStore(env).save(p)
        with env.begin(write=True) as txn:
            value = txn.get(b"p1", db=env.open_db(b"snapshots", txn=txn))
            assert value is not None
            digest = msgspec.msgpack.decode(value)[2][snapshots._FIELDS.index("candidates")]["x1"]
            assert txn.delete(b"p1\x00" + digest, db=env.open_db(b"snapshot_bodies", txn=txn))
        loaded = await LmdbSnapshotStore(env).load("p1")
        assert loaded is not None
        assert loaded.candidates[first_id(p)].step == "angles"  # the others still read
        with pytest.raises(StoreError, match="snapshot of pipeline p1 names a body the store lacks"):
            loaded.candidates["x1"]


def first_id(p: Pipeline) -> str:
    return next(k for k in p.candidates if k != "x1")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=COMMANDS, cuts=st.lists(st.floats(0, 1), min_size=2, max_size=5), reloads=st.lists(st.booleans()))
def test_an_aggregate_snapshotted_again_and_again_as_it_changes_always_loads_as_its_replay(
    commands: list[tuple[str, int]], cuts: list[float], reloads: list[bool]
) -> None:
    """The repository's way: one aggregate kept in memory, changed by events and snapshotted every so often (each
    snapshot reusing how the last one stored what has not changed since), or loaded again from its snapshot."""
    events = drive(commands)
    at = sorted({max(1, int(len(events) * c)) for c in cuts})
    with tempfile.TemporaryDirectory() as tmp, environment(Path(tmp)) as env:
        snaps = LmdbSnapshotStore(env)
        p = Pipeline.replay(events[: at[0]])
        for n, (start, end) in enumerate(zip(at, [*at[1:], len(events)], strict=True)):
            asyncio.run(snaps.save(p))
            if n < len(reloads) and reloads[n]:
                loaded = asyncio.run(snaps.load("p1"))
                assert loaded is not None
                p = loaded
            p.pending_candidates()  # a read of every value, as a command's checks do
            for event in events[start:end]:
                p.apply(event)
            fresh = asyncio.run(snaps.load("p1"))
            assert fresh is not None
            for event in events[start:]:
                fresh.apply(event)
            assert state_of(fresh) == state_of(Pipeline.replay(events))
        assert state_of(p) == state_of(Pipeline.replay(events))


def test_a_snapshot_encodes_again_only_the_candidates_reached_by_key_since_the_last() -> None:
    p = _rounds_sharing_a_prompt("Write the angles. " * 20)
    with tempfile.TemporaryDirectory() as tmp, environment(Path(tmp)) as env:
        snaps = LmdbSnapshotStore(env)
        asyncio.run(snaps.save(p))
        assert isinstance(p.candidates, LazyMap)  # the replayed aggregate's dict, now remembering
        bodies = snaps._of("p1")
        assert snapshots.encode(p, bodies).bodies == {}
        assert len(p.pending_candidates()) == 20  # every value read, none reached by key
        assert snapshots.encode(p, bodies).bodies == {}
        p.complete_candidate("c4", CandidateOutput(model="echo", text="four"), Clock()())
        p.candidates["c9"]  # a read by key may precede a change: encoded again, to the same digest
        assert _encoded(snapshots.encode(p, bodies)) == {"c4", "c9"}
        assert _encoded(snapshots.encode(p, KeptBodies())) == set(p.candidates)  # for another store: all anew


def _encoded(encoded: snapshots.Encoded) -> set[str]:
    """The ids of the candidates whose bodies `encoded` holds (the other bodies are texts)."""
    ids = set()
    for body in encoded.bodies.values():
        try:
            ids.add(msgspec.msgpack.decode(snapshots._STORED.decode(body).body, type=Candidate).id)
        except msgspec.MsgspecError:
            continue
    return ids


async def test_a_snapshot_that_failed_to_store_is_not_reused_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = busy_pipeline()
    p.collect()
    with environment(tmp_path) as env:
        snaps = LmdbSnapshotStore(env)

        def full(*args: Any, **kwargs: Any) -> None:
            raise StoreError("the store failed: disk full")

        monkeypatch.setattr(snapshots, "transact", full)
        with pytest.raises(StoreError):
            await snaps.save(p)
        monkeypatch.undo()
        await snaps.save(p)  # must write every body again: the first write never happened
        loaded = await snaps.load("p1")
        assert loaded is not None
        assert state_of(loaded) == state_of(p)


@pytest.mark.parametrize("change", ["update", "ior", "clear", "setdefault", "pop"])
async def test_a_change_made_through_any_dict_method_reaches_the_next_snapshot(tmp_path: Path, change: str) -> None:
    p = busy_pipeline()
    p.collect()
    with environment(tmp_path) as env:
        snaps = LmdbSnapshotStore(env)
        await snaps.save(p)
        loaded = await snaps.load("p1")
        assert loaded is not None
        await snaps.save(loaded)  # remembering how it stored each candidate
        candidates = loaded.candidates
        changed = replace(busy_pipeline().candidates["x1"], text="changed")
        match change:
            case "update":
                candidates.update({"x1": changed})
            case "ior":
                candidates |= {"x1": changed}
            case "clear":
                candidates.clear()
            case "setdefault":
                candidates.setdefault("x1", changed).text = "changed"
            case _:
                candidates.pop("x1")
        await snaps.save(loaded)
        again = await snaps.load("p1")
        assert again is not None
        assert dict(again.candidates) == dict(candidates)
