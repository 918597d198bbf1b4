"""Retries and fallbacks: transient errors retried with backoff (bounded, recorded), permanent ones fall through."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.generation_world import generation_world
from writeit.adapters.memory.language_model import Script, ScriptedLanguageModel, ScriptLike
from writeit.application.errors import ModelError, ModelKeyMissingError
from writeit.application.hub import Message, TokenMessage
from writeit.application.ports import ModelRequest
from writeit.application.runner import CandidateHooks, ModelRunner, RetryPolicy
from writeit.domain import events as ev

CHAINED = """
metadata: {name: chained}
steps:
  only:
    name: Only
    prompt_template: "Write it."
    models: [nokey, good]
    model_preference: [backup]
"""

ONE = """
metadata: {name: one}
steps:
  only: {name: Only, prompt_template: "Write it."}
"""


def transient(model: str, why: str = "RateLimitError: 429") -> Script:
    return Script(error=ModelError(model, why, transient=True))


async def test_each_model_of_a_step_falls_back_through_model_preference(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"nokey": ModelKeyMissingError("nokey"), "good": ["mine"], "backup": ["spare"]})
    w.template("chained", CHAINED)
    view = await w.service.start("chained", {})
    await (await w.service.generate(view.id)).wait()
    by_model = {c.model: c for c in (await w.service.get(view.id)).step("only").candidates}
    assert (by_model["backup"].text, by_model["good"].text) == ("spare", "mine")
    assert by_model["backup"].fallbacks[0].startswith("nokey -> backup: model 'nokey': needs an API key")
    assert by_model["good"].fallbacks == ()
    fell = await w.events(view.id, ev.ModelFellBack)
    assert [(e.from_model, e.to_model) for e in fell] == [("nokey", "backup")]


async def test_a_transient_error_is_retried_and_each_retry_recorded_with_attempt_and_reason(tmp_path: Path) -> None:
    flaky = [transient("flaky"), transient("flaky", "InternalServerError: 500"), Script(chunks=("ok",))]
    w = generation_world(tmp_path, {"flaky": flaky})
    w.template("one", ONE)
    view = await w.service.start("one", {})
    await (await w.service.generate(view.id, models=["flaky"])).wait()
    retried = await w.events(view.id, ev.CandidateRetried)
    assert [(e.model, e.attempt, e.reason) for e in retried] == [
        ("flaky", 1, "model 'flaky': RateLimitError: 429"),
        ("flaky", 2, "model 'flaky': InternalServerError: 500"),
    ]
    assert (await w.service.get(view.id)).step("only").candidates[0].text == "ok"


async def test_a_retry_after_a_broken_stream_tells_subscribers_to_start_the_text_again(tmp_path: Path) -> None:
    broken = Script(chunks=("par", "tial "), error=ModelError("m", "connection lost", transient=True))
    w = generation_world(tmp_path, {"m": [broken, Script(chunks=("whole", " answer"))]})
    view = await w.service.start("three", {"topic": "x"})
    with w.service.subscribe(view.id) as subscription:
        generation = await w.service.generate(view.id, models=["m"], step="angles")
        await generation.wait()
        tokens = [m for m in _drain(subscription.queue) if isinstance(m, TokenMessage)]
    first = generation.candidate_ids[0]
    mine = [("reset" if m.reset else m.text) for m in tokens if m.candidate_id == first]
    assert mine == ["par", "tial ", "reset", "whole", " answer"]
    step = (await w.service.get(view.id)).step("angles")
    assert [c.text for c in step.candidates] == ["whole answer", "whole answer"]


async def test_retries_stop_after_the_attempt_limit_and_the_candidate_fails_with_the_last_error(
    tmp_path: Path,
) -> None:
    w = generation_world(tmp_path, {"down": transient("down", "InternalServerError: 503")})
    view = await w.service.start("three", {"topic": "x"})
    generation = await w.service.generate(view.id, models=["down"])
    await generation.wait()
    candidate = (await w.service.get(view.id)).step("angles").candidates[0]
    assert candidate.status == "failed"
    assert "503" in candidate.error
    assert len(candidate.attempts) == 2, "three attempts: two retries"
    assert len(w.models.requests) == 6


async def test_no_retry_starts_once_the_time_bound_is_spent(tmp_path: Path) -> None:
    policy = RetryPolicy(attempts=10, initial_wait=0.05, max_wait=0.1, max_elapsed=0.01)
    w = generation_world(tmp_path, {"down": transient("down")}, policy=policy)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id, models=["down"])).wait()
    candidate = (await w.service.get(view.id)).step("angles").candidates[0]
    assert candidate.status == "failed"
    assert candidate.attempts == ()


async def test_a_model_that_goes_silent_times_out_and_is_retried(tmp_path: Path) -> None:
    silent = Script(chunks=("never",), delay=30)
    policy = RetryPolicy(attempts=2, initial_wait=0.001, max_wait=0.002, idle_timeout=0.05)
    w = generation_world(tmp_path, {"m": [silent, Script(chunks=("ok",))]}, policy=policy)
    view = await w.service.start("three", {"topic": "x"})
    generation = await w.service.generate(view.id, models=["m"], step="angles")
    await generation.wait()
    first = (await w.service.get(view.id)).step("angles").candidates[0]
    assert first.text == "ok"
    assert "timed out" in first.attempts[0]


async def test_a_permanent_error_is_not_retried(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"nokey": ModelKeyMissingError("nokey")})
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id, models=["nokey"])).wait()
    step = (await w.service.get(view.id)).step("angles")
    assert [c.status for c in step.candidates] == ["failed", "failed"]
    assert all(c.attempts == () for c in step.candidates)
    assert len(w.models.requests) == 2


async def test_a_failure_mid_stream_keeps_the_partial_text_of_its_last_attempt(tmp_path: Path) -> None:
    broken = Script(chunks=("half ", "way"), error=ModelError("m", "connection lost", transient=True))
    w = generation_world(tmp_path, {"m": broken})
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id, models=["m"])).wait()
    failed = await w.events(view.id, ev.CandidateFailed)
    assert [e.partial_text for e in failed] == ["half way", "half way"]


def _drain(queue: asyncio.Queue[Message]) -> list[Message]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def _quiet_hooks() -> CandidateHooks:
    async def ignore(*_: object) -> None:
        return None

    return CandidateHooks(on_chunk=lambda _: None, on_restart=lambda: None, on_retry=ignore, on_fallback=ignore)


async def test_a_retry_waits_as_long_as_the_provider_asked_not_less() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    busy = ModelError("m", "429 slow down", transient=True, retry_after=7.5)
    models = ScriptedLanguageModel({"m": [Script(error=busy), Script(chunks=("ok",))]})
    runner = ModelRunner(models, RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002), sleep=sleep)

    answer = await runner.run(("m",), ModelRequest(model_id="m", prompt="hi"), _quiet_hooks())

    assert answer.completion.text == "ok"
    assert slept == [7.5]


@pytest.mark.parametrize(("asked", "limit"), [(86_400, 60), (10, 3)])
async def test_a_wait_past_the_retry_limit_falls_through_at_once_and_says_why(asked: float, limit: float) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    busy = ModelError("m", "429 come back later", transient=True, retry_after=asked)
    models = ScriptedLanguageModel({"m": Script(error=busy), "spare": Script(chunks=("spare answer",))})
    runner = ModelRunner(models, RetryPolicy(attempts=3, max_elapsed=limit), sleep=sleep)
    fell: list[str] = []

    async def on_fallback(source: str, target: str, why: str) -> None:
        fell.append(why)

    hooks = replace(_quiet_hooks(), on_fallback=on_fallback)
    answer = await runner.run(("m", "spare"), ModelRequest(model_id="m", prompt="hi"), hooks)

    assert answer.completion.text == "spare answer"
    assert slept == []
    assert f"asked to wait {asked:g} s, past the {limit:g} s retry limit" in fell[0]


async def test_a_stop_caused_by_the_time_already_spent_is_not_blamed_on_the_provider() -> None:
    busy = ModelError("m", "429", transient=True, retry_after=0.05)  # longer than our backoff, yet not the cause
    slow = Script(chunks=("partial",), delay=0.3, error=busy)  # the attempt alone outlasts the retry limit
    policy = RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002, max_elapsed=0.2)
    runner = ModelRunner(ScriptedLanguageModel({"m": slow}), policy)

    with pytest.raises(ModelError) as raised:
        await runner.run(("m",), ModelRequest(model_id="m", prompt="hi"), _quiet_hooks())

    assert "asked to wait" not in str(raised.value)
    assert "the retry time limit is 0.2 s" in str(raised.value)


async def test_a_candidate_waiting_to_retry_leaves_its_slot_to_the_others(tmp_path: Path) -> None:
    busy = ModelError("limited", "429 slow down", transient=True, retry_after=0.3)
    scripts: dict[str, ScriptLike] = {
        "limited": [Script(error=busy), Script(chunks=("late",))],
        "free": Script(chunks=("early",)),
    }
    policy = RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002)
    w = generation_world(tmp_path, scripts, concurrency=1, policy=policy)
    w.template("one", ONE)
    view = await w.service.start("one", {})

    await (await w.service.generate(view.id, "only", models=["limited", "free"])).wait()

    completed = [e.candidate_id for e in await w.events(view.id, ev.CandidateCompleted)]
    step = (await w.service.get(view.id)).step("only")
    by_model = {c.model: c.id for c in step.candidates}
    assert completed[:2] == [by_model["free"], by_model["limited"]], "free ran while limited waited 0.3 s"
    assert w.models.peak == 1, "still one model call at a time"


async def test_time_queued_behind_other_candidates_does_not_use_up_a_models_retries(tmp_path: Path) -> None:
    scripts: dict[str, ScriptLike] = {
        "slow": Script(chunks=("taking my time",), delay=0.6),  # holds the only slot longer than the retry limit
        "flaky": [transient("flaky"), Script(chunks=("fine now",))],
    }
    policy = RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002, max_elapsed=0.5)
    w = generation_world(tmp_path, scripts, concurrency=1, policy=policy)
    w.template("one", ONE)
    view = await w.service.start("one", {})

    await (await w.service.generate(view.id, "only", models=["slow", "flaky"])).wait()

    flaky = next(c for c in (await w.service.get(view.id)).step("only").candidates if c.model == "flaky")
    assert flaky.status == "completed", flaky.error
    assert flaky.text == "fine now"
