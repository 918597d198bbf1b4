"""Recorded answers: reused instantly when the cache is on, the only answers in replay, never reused in record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.generation_world import GenerationWorld, generation_world
from writeit.adapters.memory.language_model import Script
from writeit.adapters.memory.response_cache import InMemoryResponseCache
from writeit.application.cache import CacheMode, cache_key
from writeit.application.errors import ModelError, StoreError
from writeit.application.ports import ModelRequest, RecordedResponse
from writeit.application.views import CandidateView

ANSWERS = [Script(chunks=("first ", "answer"), usage=(5, 2)), Script(chunks=("second",)), Script(chunks=("third",))]


async def run_angles(w: GenerationWorld, topic: str = "LMDB") -> list[CandidateView]:
    view = await w.service.start("three", {"topic": topic})
    await (await w.service.generate(view.id, models=["m"])).wait()
    return list((await w.service.get(view.id)).step("angles").candidates)


async def test_with_the_cache_on_the_same_run_again_answers_from_recordings_marked_cached(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"m": ANSWERS}, cache_mode=CacheMode.ON)
    first = await run_angles(w)
    again = await run_angles(w)
    assert [c.text for c in again] == [c.text for c in first] == ["first answer", "second"]
    assert [c.cached for c in first] == [False, False]
    assert [c.cached for c in again] == [True, True]
    assert (again[0].input_tokens, again[0].output_tokens, again[0].usage_estimated) == (5, 2, False)
    assert len(w.models.requests) == 2, "the second run never reached the model"


async def test_regenerating_asks_the_model_again_even_with_the_cache_on(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"m": ANSWERS}, cache_mode=CacheMode.ON)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id, models=["m"])).wait()
    await (await w.service.generate(view.id, models=["m"])).wait()
    texts = [c.text for c in (await w.service.get(view.id)).step("angles").candidates]
    assert texts == ["first answer", "second", "third", "third"]
    assert len(w.models.requests) == 4


async def test_replay_answers_exactly_as_recorded_without_the_model(tmp_path: Path) -> None:
    recording = generation_world(tmp_path, {"m": ANSWERS}, cache_mode=CacheMode.RECORD)
    recorded = await run_angles(recording)
    replaying = generation_world(
        tmp_path, {"m": Script(chunks=("live",))}, cache=recording.cache, cache_mode=CacheMode.REPLAY
    )
    replayed = await run_angles(replaying)
    assert [c.text for c in replayed] == [c.text for c in recorded]
    assert replaying.models.requests == []


async def test_replay_fails_a_candidate_it_has_no_recording_for_naming_replay(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"m": ANSWERS}, cache_mode=CacheMode.REPLAY)
    candidates = await run_angles(w)
    assert [c.status for c in candidates] == ["failed", "failed"]
    assert "no recorded answer" in candidates[0].error
    assert "replay" in candidates[0].error
    assert w.models.requests == []


async def test_record_mode_records_every_answer_but_never_reuses_one(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"m": ANSWERS}, cache_mode=CacheMode.RECORD)
    await run_angles(w)
    again = await run_angles(w)
    assert [c.cached for c in again] == [False, False]
    assert len(w.models.requests) == 4
    assert isinstance(w.cache, InMemoryResponseCache)
    assert len(w.cache.responses) == 2


async def test_a_failed_answer_is_not_recorded(tmp_path: Path) -> None:
    broken = Script(chunks=("half",), error=ModelError("m", "boom"))
    w = generation_world(tmp_path, {"m": broken}, cache_mode=CacheMode.ON)
    await run_angles(w)
    assert isinstance(w.cache, InMemoryResponseCache)
    assert w.cache.responses == {}


class BrokenCache:
    async def get(self, key: str) -> RecordedResponse | None:
        raise StoreError("disk on fire")

    async def put(self, key: str, response: RecordedResponse) -> None:
        raise StoreError("disk on fire")


async def test_a_failing_cache_never_fails_a_candidate(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"m": ANSWERS}, cache=BrokenCache(), cache_mode=CacheMode.ON)
    assert [c.status for c in await run_angles(w)] == ["completed", "completed"]


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (ModelRequest(model_id="m", prompt="p", options={"b": 2, "a": 1}), True),
        (ModelRequest(model_id="n", prompt="p", options={"a": 1, "b": 2}), False),
        (ModelRequest(model_id="m", prompt="q", options={"a": 1, "b": 2}), False),
        (ModelRequest(model_id="m", prompt="p", system="s", options={"a": 1, "b": 2}), False),
        (ModelRequest(model_id="m", prompt="p", options={"a": 1, "b": 3}), False),
    ],
)
def test_the_cache_key_is_model_prompt_system_and_options(other: ModelRequest, same: bool) -> None:
    request = ModelRequest(model_id="m", prompt="p", options={"a": 1, "b": 2})
    assert (cache_key(request, 0) == cache_key(other, 0)) is same
    assert cache_key(request, 0) != cache_key(request, 1)
