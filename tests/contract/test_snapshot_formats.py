"""Snapshot format 3 (msgpack, candidates and branches decoded on first read): a lazily loaded aggregate acts as
the replayed one whatever is read or changed, re-snapshots correctly half decoded, and format 2 stores still open."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.test_snapshot_stores import COMMANDS, busy_pipeline, drive, environment, state_of
from tests.unit.builders import Clock, template
from writeit.adapters.lmdb import snapshots
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.lmdb.lazy_map import LazyMap
from writeit.adapters.lmdb.snapshots import LmdbSnapshotStore
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository
from writeit.domain.pipeline import Pipeline


def format_2(p: Pipeline) -> bytes:
    """A snapshot as the previous release wrote it (and PostgreSQL still does): JSON, decoded whole."""
    state = {name: getattr(p, name) for name in snapshots._FIELDS}
    written = msgspec.json.encode({"format": 2, "code": snapshots.code_digest(), "state": state})
    assert msgspec.json.decode(snapshots.encode_json(p)) == msgspec.json.decode(written)
    return written


def _put(env: Any, key: bytes, value: bytes) -> None:
    with env.begin(write=True) as txn:
        txn.put(key, value, db=env.open_db(b"snapshots", txn=txn))


async def test_a_store_with_format_2_snapshots_still_opens_from_them(tmp_path: Path) -> None:
    events = drive([("generate", 0), ("select", 1), ("feedback", 2), ("fork", 1), ("generate", 3)] * 3)
    with environment(tmp_path) as env:
        store = LmdbEventStore(env)
        try:
            await store.append("p1", events, expected_version=0)
            at = len(events) - 3
            _put(env, b"p1", format_2(Pipeline.replay(events[:at])))
            loaded = await LmdbSnapshotStore(env).load("p1")
            assert loaded is not None
            assert loaded.version == at
            repo = PipelineRepository(store, StreamHub(), snapshots=LmdbSnapshotStore(env))
            assert state_of(await repo.load("p1")) == state_of(Pipeline.replay(events))
        finally:
            store.close()


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
    """Snapshot at `first`, load it (format 2 or 3), apply events up to `second` (decoding some candidates),
    snapshot that again, load it and apply the rest: always the full replay."""
    events = drive(commands)
    first, second = sorted(max(1, int(len(events) * c)) for c in cuts)
    base = Pipeline.replay(events[:first])
    restored = snapshots.decode(format_2(base) if old else snapshots.encode(base))
    assert restored is not None
    for event in events[first:second]:
        restored.apply(event)
    again = snapshots.decode(snapshots.encode(restored))
    assert again is not None
    for event in events[second:]:
        again.apply(event)
    assert state_of(again) == state_of(Pipeline.replay(events))


OPS = st.lists(
    st.tuples(st.sampled_from(["get", "getitem", "set", "pop", "setdefault", "del", "in", "values", "items"]),
              st.sampled_from(["a", "b", "c", "z"])),
    max_size=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(ops=OPS)
def test_a_lazy_map_answers_every_dict_operation_as_the_decoded_dict_would(ops: list[tuple[str, str]]) -> None:
    plain = {"a": [1], "b": {"x": "ü"}, "c": "text"}
    lazy = _lazy(plain)
    for name, key in ops:
        results = [_op(m, name, key) for m in (plain, lazy)]
        assert results[0] == results[1], (name, key)
        assert len(lazy) == len(plain)
        assert list(lazy) == list(plain)
    for convert in (dict, lambda m: {**m}, lambda m: m.copy(), copy.deepcopy, lambda m: m | {}, repr, lambda m: m):
        assert convert(_lazy(lazy)) == convert(plain)  # a fresh one each time: none decoded yet


def _lazy(values: dict[str, Any]) -> LazyMap:
    return LazyMap({k: msgspec.Raw(msgspec.msgpack.encode(v)) for k, v in values.items()}, msgspec.msgpack.decode)


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
    loaded = snapshots.decode(snapshots.encode(p))
    assert loaded is not None
    if decode_first:
        assert state_of(loaded) == state_of(p)
    again = snapshots.decode(snapshots.encode(loaded))
    assert again is not None
    assert state_of(again) == state_of(p)


def test_a_prompt_the_candidates_of_rounds_share_is_stored_once_and_read_back_by_each() -> None:
    clock = Clock()
    p = Pipeline.start("p1", template(), {"topic": "LMDB"}, clock())
    prompt = "Write the angles of an article about LMDB for engineers. " * 40
    p.start_step("angles", [(f"c{i}", "echo") for i in range(20)], clock(), prompt=prompt, system="Be brief.")
    p.collect()
    encoded = snapshots.encode(p)
    assert encoded.count(prompt.encode()) == 1
    half = snapshots.decode(encoded)
    assert half is not None
    assert half.candidates["c3"].prompt == prompt  # one decoded, the others kept as stored
    again = snapshots.decode(snapshots.encode(half))
    assert again is not None
    assert [again.candidates[f"c{i}"].prompt for i in range(20)] == [prompt] * 20
    assert state_of(again) == state_of(p)
