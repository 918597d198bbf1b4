"""Seeds: each sample of a prompt has its own, given to the model and recorded with its candidate."""

from __future__ import annotations

from pathlib import Path

from tests.unit.generation_world import generation_world
from writeit.adapters.lmdb.codec import decode, encode
from writeit.adapters.memory.language_model import Script
from writeit.application.cache import CacheMode
from writeit.domain.codec import from_record, to_record
from writeit.domain.events import CandidateCompleted

ANSWERS = [Script(chunks=("first",)), Script(chunks=("second",)), Script(chunks=("third",))]


async def test_two_candidates_of_one_model_are_given_different_seeds_recorded_with_each(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"m": ANSWERS})
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id, models=["m"])).wait()
    candidates = (await w.service.get(view.id)).step("angles").candidates
    sent = [r.seed for r in w.models.requests]
    assert len(set(sent)) == 2
    assert None not in sent
    assert sorted(c.seed for c in candidates if c.seed is not None) == sorted(s for s in sent if s is not None)
    completed = await w.events(view.id, CandidateCompleted)
    assert {e.candidate_id: e.seed for e in completed} == {c.id: c.seed for c in candidates}


async def test_regenerating_a_step_asks_for_new_seeds(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"m": ANSWERS})
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id, models=["m"])).wait()
    await (await w.service.generate(view.id, models=["m"])).wait()
    assert len({r.seed for r in w.models.requests}) == 4


async def test_a_replay_records_the_seeds_the_recorded_answers_were_made_with(tmp_path: Path) -> None:
    recording = generation_world(tmp_path, {"m": ANSWERS}, cache_mode=CacheMode.RECORD)
    first = await recording.service.start("three", {"topic": "LMDB"})
    await (await recording.service.generate(first.id, models=["m"])).wait()
    replaying = generation_world(
        tmp_path, {"m": Script(chunks=("live",))}, cache=recording.cache, cache_mode=CacheMode.REPLAY
    )
    second = await replaying.service.start("three", {"topic": "LMDB"})
    await (await replaying.service.generate(second.id, models=["m"])).wait()
    recorded = (await recording.service.get(first.id)).step("angles").candidates
    replayed = (await replaying.service.get(second.id)).step("angles").candidates
    assert [(c.text, c.seed) for c in replayed] == [(c.text, c.seed) for c in recorded]
    assert replaying.models.requests == []


def test_a_completion_stored_before_seeds_existed_still_decodes_with_no_seed() -> None:
    event = CandidateCompleted(pipeline_id="p", seq=2, at="t", candidate_id="c", model="m", text="x", seed=7)
    record = to_record(event)
    assert from_record(record) == event
    del record["seed"]
    decoded = from_record(record)
    assert isinstance(decoded, CandidateCompleted)
    assert decoded.seed is None


def test_an_lmdb_record_of_a_completion_from_before_seeds_decodes_with_no_seed() -> None:
    event = CandidateCompleted(pipeline_id="p", seq=2, at="t", candidate_id="c", model="m", text="x", seed=7)
    stored = encode(event)
    assert decode(stored) == event
    old = stored.replace(b',"seed":7', b"")
    assert b"seed" not in old
    decoded = decode(old)
    assert isinstance(decoded, CandidateCompleted)
    assert decoded.seed is None
