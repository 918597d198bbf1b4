"""Fan-out: every model of a step answers, concurrently within the limit, each streaming its own text."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.unit.generation_world import generation_world
from writeit.adapters.memory.language_model import Script
from writeit.application.hub import EventMessage, TokenMessage
from writeit.domain import events as ev

FOUR = """
metadata: {name: four}
steps:
  only:
    name: Only
    prompt_template: "Write it."
    models: [a, b]
    response_count: 2
"""


def slow(text: str, delay: float = 0.01) -> Script:
    return Script(chunks=tuple(f"{text}{i} " for i in range(5)), delay=delay)


async def test_each_model_of_a_step_answers_response_count_times(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"a": slow("a"), "b": slow("b")})
    w.template("four", FOUR)
    view = await w.service.start("four", {})
    await (await w.service.generate(view.id)).wait()
    step = (await w.service.get(view.id)).step("only")
    assert sorted(c.model for c in step.candidates) == ["a", "a", "b", "b"]
    assert all(c.status == "completed" for c in step.candidates)
    assert w.models.peak == 4, "all four ran at once"


async def test_a_slow_candidate_does_not_hold_back_the_others(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"a": Script(chunks=("stuck",) * 100, delay=1.0), "b": slow("b")})
    w.template("four", FOUR)
    view = await w.service.start("four", {})
    with w.service.subscribe(view.id) as subscription:
        generation = await w.service.generate(view.id)
        completed = 0
        while completed < 2:
            message = await asyncio.wait_for(subscription.queue.get(), timeout=10)
            completed += isinstance(message, EventMessage) and isinstance(message.event, ev.CandidateCompleted)
    step = (await w.service.get(view.id)).step("only")
    assert sorted((c.model, c.status) for c in step.candidates) == [
        ("a", "pending"), ("a", "pending"), ("b", "completed"), ("b", "completed"),
    ]  # fmt: skip
    for cid in generation.candidate_ids:
        await w.service.cancel(view.id, cid)
    await generation.wait()


async def test_no_more_candidates_run_at_once_than_the_concurrency_limit(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"a": slow("a"), "b": slow("b")}, concurrency=3)
    w.template("four", FOUR)
    view = await w.service.start("four", {})
    await (await w.service.generate(view.id)).wait()
    step = (await w.service.get(view.id)).step("only")
    assert all(c.status == "completed" for c in step.candidates)
    assert w.models.peak == 3


async def test_each_candidate_streams_its_own_chunks(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"a": slow("a"), "b": slow("b")})
    w.template("four", FOUR)
    view = await w.service.start("four", {})
    with w.service.subscribe(view.id) as subscription:
        await (await w.service.generate(view.id)).wait()
        messages = [subscription.queue.get_nowait() for _ in range(subscription.queue.qsize())]
    streamed: dict[str, str] = {}
    for message in messages:
        if isinstance(message, TokenMessage):
            streamed[message.candidate_id] = streamed.get(message.candidate_id, "") + message.text
    step = (await w.service.get(view.id)).step("only")
    assert streamed == {c.id: c.text for c in step.candidates}


async def test_a_candidate_waiting_for_a_free_slot_can_be_cancelled(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"a": slow("a", delay=0.02)}, concurrency=1)
    view = await w.service.start("three", {"topic": "x"})
    generation = await w.service.generate(view.id, models=["a"])
    first, queued = generation.candidate_ids
    assert await w.service.cancel(view.id, queued)
    await generation.wait()
    step = (await w.service.get(view.id)).step("angles")
    by_id = {c.id: c for c in step.candidates}
    assert (by_id[first].status, by_id[first].text) == ("completed", "a0 a1 a2 a3 a4 ")
    assert (by_id[queued].status, by_id[queued].text) == ("cancelled", "")
    assert len(w.models.requests) == 1, "the queued candidate never reached the model"


async def test_cancelling_a_candidate_stops_it_at_once_and_keeps_its_partial_text(tmp_path: Path) -> None:
    w = generation_world(tmp_path, {"a": Script(chunks=tuple("abcdefghij"), delay=0.05)})
    view = await w.service.start("three", {"topic": "x"})
    with w.service.subscribe(view.id) as subscription:
        generation = await w.service.generate(view.id, models=["a"])
        target = generation.candidate_ids[0]
        seen: list[str] = []
        while len(seen) < 3:
            message = await subscription.queue.get()
            if isinstance(message, TokenMessage) and message.candidate_id == target:
                seen.append(message.text)
        await w.service.cancel(view.id, target)
        await generation.wait()
    first, second = (await w.service.get(view.id)).step("angles").candidates
    assert first.status == "cancelled"
    assert first.text.startswith("".join(seen))
    assert len(first.text) < 10
    assert second.text == "abcdefghij"
