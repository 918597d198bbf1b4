"""The SnapshotStore contract on the in-memory fake and LMDB, and snapshot + tail = full replay (property-tested
over random command sequences)."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lmdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.kept_bodies import KeptBodies
from tests.unit.builders import Clock, generate, started, template
from writeit.adapters.lmdb import snapshots
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.snapshots import LmdbSnapshotStore
from writeit.adapters.memory.snapshots import InMemorySnapshotStore
from writeit.application.ports import SnapshotStore
from writeit.domain.errors import DomainError
from writeit.domain.pipeline import CandidateOutput, Pipeline


def state_of(p: Pipeline) -> dict[str, Any]:
    return {k: v for k, v in vars(p).items() if k != "pending"}


def busy_pipeline() -> Pipeline:
    clock = Clock()
    p = Pipeline.start("p1", template(), {"topic": "LMDB"}, clock(), fragments=[{"source": "notes.md", "content": "N"}])
    first = generate(p, "angles", clock, n=3, text="ünïcode ✍️")
    p.give_feedback("angles", "more", clock())
    p.select("angles", first[1], clock())
    p.fork("angles", "alt", clock())
    p.select("angles", first[2], clock())
    p.start_step("outline", [("x1", "echo")], clock(), prompt="p", session="host:1:2")
    return p


class SnapshotStoreContract(abc.ABC):
    @pytest.fixture
    @abc.abstractmethod
    def snapshots(self) -> SnapshotStore: ...

    async def test_a_pipeline_never_snapshotted_has_none(self, snapshots: SnapshotStore) -> None:
        assert await snapshots.load("p1") is None

    async def test_a_snapshot_loads_as_a_new_aggregate_equal_to_the_saved_one(self, snapshots: SnapshotStore) -> None:
        p = busy_pipeline()
        p.collect()
        await snapshots.save(p)
        loaded = await snapshots.load("p1")
        assert loaded is not None
        assert loaded is not p
        assert state_of(loaded) == state_of(p)
        assert loaded.pending == []

    async def test_changing_the_aggregate_after_saving_does_not_change_the_snapshot(
        self, snapshots: SnapshotStore
    ) -> None:
        p = busy_pipeline()
        await snapshots.save(p)
        loaded = await snapshots.load("p1")
        assert loaded is not None
        saved = state_of(loaded)
        p.complete_candidate("x1", CandidateOutput(model="echo", text="later"), Clock()())
        again = await snapshots.load("p1")
        assert again is not None
        assert state_of(again) == saved
        assert again.version == p.version - 1


class TestInMemorySnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    def snapshots(self) -> InMemorySnapshotStore:
        return InMemorySnapshotStore()


@contextmanager
def environment(path: Path) -> Iterator[lmdb.Environment]:
    with contextmanager(open_environment)(path) as env:
        yield env


class TestLmdbSnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    def snapshots(self, tmp_path: Path) -> Iterator[LmdbSnapshotStore]:
        with environment(tmp_path) as env:
            yield LmdbSnapshotStore(env)


async def test_a_snapshot_made_by_other_domain_code_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with environment(tmp_path) as env:
        store = LmdbSnapshotStore(env)
        await store.save(busy_pipeline())
        monkeypatch.setattr(snapshots, "code_digest", lambda: "other-code")
        assert await store.load("p1") is None


async def test_lmdb_snapshots_survive_reopening(tmp_path: Path) -> None:
    p = busy_pipeline()
    with environment(tmp_path) as env:
        await LmdbSnapshotStore(env).save(p)
    with environment(tmp_path) as env:
        loaded = await LmdbSnapshotStore(env).load("p1")
        assert loaded is not None
        assert state_of(loaded) == state_of(p)  # its candidates are read from the store when first used


async def test_an_aggregate_loaded_from_lmdb_owns_what_it_keeps_encoded(tmp_path: Path) -> None:
    """A load leaves candidates encoded until used, as bytes read from LMDB's map: once the store has rewritten
    those pages, the loaded aggregate must still read what was loaded (it failed when the values were left in
    the map, as a transaction with `buffers=True` gives them)."""
    p = busy_pipeline()
    expected = state_of(p)
    with environment(tmp_path) as env:
        store = LmdbSnapshotStore(env)
        await store.save(p)
        loaded = await store.load("p1")
        assert loaded is not None
        for n in range(30):  # each save frees the previous value's pages, which the next writes reuse
            later = busy_pipeline()
            later.complete_candidate("x1", CandidateOutput(model="echo", text=f"rewritten {n} " * 400), Clock()())
            await store.save(later)
        assert state_of(loaded) == expected


# ----- snapshot + tail = full replay, over random command sequences ------------------------------------------
COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(["generate", "select", "feedback", "fork", "switch", "fail", "edit", "cancel", "interrupt",
                         "retry", "fallback", "merge"]),
        st.integers(0, 9),
    ),
    max_size=30,
)  # fmt: skip


def drive(commands: list[tuple[str, int]]) -> list[Any]:
    """Run the commands that the pipeline accepts (refused ones change nothing) and return every event."""
    clock = Clock()
    p = started(clock)
    events = p.collect()
    for n, (name, pick) in enumerate(commands):
        step = p.current_step()
        ids = p.step_state(step).candidate_ids
        try:
            if name == "generate":
                p.start_step(step, [(f"c{n}a", "echo"), (f"c{n}b", "markov")], clock(), prompt=f"p{n}")
                p.complete_candidate(f"c{n}a", CandidateOutput(model="echo", text=f"t{n}", input_tokens=n), clock())
            elif name == "fail" and p.pending_candidates():
                p.fail_candidate(p.pending_candidates()[0].id, "markov", "boom", clock(), partial_text="pa")
            elif name == "cancel" and p.pending_candidates():
                p.cancel_candidate(p.pending_candidates()[0].id, clock(), partial_text=f"part {n}")
            elif name == "interrupt" and p.pending_candidates():
                p.interrupt_candidate(p.pending_candidates()[-1].id, clock())
            elif name == "retry" and p.pending_candidates():
                p.record_retry(p.pending_candidates()[0].id, "markov", pick + 1, "rate limited", clock())
            elif name == "fallback" and p.pending_candidates():
                p.record_fallback(p.pending_candidates()[0].id, "markov", "echo", "down", clock())
            elif name == "merge" and len(ids) > 1:
                p.merge(step, [ids[pick % len(ids)], ids[-1]], f"m{n}", f"merged {n}", clock(), instruction="both")
            elif name == "select" and ids:
                p.select(step, ids[pick % len(ids)], clock())
            elif name == "edit" and ids:
                p.edit(step, ids[pick % len(ids)], f"e{n}", f"edited {n}", clock())
            elif name == "feedback":
                p.give_feedback(step, f"fb {pick}", clock())
            elif name == "fork":
                p.fork(p.step_keys[pick % len(p.step_keys)], f"b{n}", clock())
            elif name == "switch":
                p.switch(sorted(p.branches)[pick % len(p.branches)], clock())
        except DomainError:
            pass
        events += p.collect()
    return events


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=COMMANDS, cut=st.floats(0, 1))
def test_a_snapshot_at_any_version_plus_the_events_after_it_equals_a_full_replay(
    commands: list[tuple[str, int]], cut: float
) -> None:
    events = drive(commands)
    at = max(1, int(len(events) * cut))
    restored = KeptBodies().round_trip(Pipeline.replay(events[:at]))
    for event in events[at:]:
        restored.apply(event)
    assert state_of(restored) == state_of(Pipeline.replay(events))
