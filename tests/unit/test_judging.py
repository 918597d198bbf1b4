"""A judge model scores a step's candidates: through the runner (retries, cost), recorded, never selecting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script
from writeit.application.errors import ModelError
from writeit.application.judging import DEFAULT_CRITERIA, parse_scores
from writeit.domain.errors import StepNotReadyError
from writeit.domain.events import CandidatesJudged


def _answer(*scores: tuple[int, str, int, str]) -> str:
    rows = [{"draft": d, "criterion": c, "score": s, "reason": r} for d, c, s, r in scores]
    return "Here you are:\n" + json.dumps({"scores": rows}) + "\nThat is all."


def test_scores_are_read_by_draft_and_criterion_and_odd_items_are_dropped() -> None:
    text = _answer(
        (1, "Clarity", 8, "plain"), (2, "clarity", 11, "too high"), (3, "wit", 5, "no such"), (2, "accuracy", 4, "off")
    )
    scores, error = parse_scores(text, ["clarity", "accuracy"], ["c1", "c2"])
    assert error == ""
    assert scores == [
        {"candidate_id": "c1", "criterion": "clarity", "score": 8, "reason": "plain"},
        {"candidate_id": "c2", "criterion": "accuracy", "score": 4, "reason": "off"},
    ]


def test_an_answer_without_scores_says_so_and_quotes_its_start() -> None:
    scores, error = parse_scores("I liked the second one best.", ["clarity"], ["c1"])
    assert scores == []
    assert error == "the judge's answer holds no scores as asked: 'I liked the second one best.'"


async def test_a_judge_scores_each_candidate_records_its_cost_and_selects_nothing(tmp_path: Path) -> None:
    verdict = _answer((1, "clarity", 7, "clear"), (2, "clarity", 3, "muddled"), (2, "fit to the brief", 9, "on topic"))
    transient = Script(error=ModelError("paid", "busy", transient=True))
    w = world(tmp_path, {"paid": [transient, Script(chunks=(verdict,))]})
    pid = (await w.service.start("three", {"topic": "judging"})).id
    await (await w.service.generate(pid, models=["echo"])).wait()
    before = await w.service.get(pid)
    ids = [c.id for c in before.step("angles").candidates]
    found = await w.service.judge(pid, "angles", "paid", expected_version=before.version)
    assert found.criteria == DEFAULT_CRITERIA
    assert [(s["candidate_id"], s["score"], s["reason"]) for s in found.scores] == [
        (ids[0], 7, "clear"), (ids[1], 3, "muddled"), (ids[1], 9, "on topic"),
    ]  # fmt: skip
    asked = w.models.requests[-1].prompt
    assert "Criteria: clarity, accuracy, fit to the brief" in asked
    assert before.step("angles").candidates[0].prompt in asked
    assert all(c.text in asked for c in before.step("angles").candidates)
    assert sum(r.model_id == "paid" for r in w.models.requests) == 2, "the transient error was retried"
    (event,) = [e for e in await w.store.read(pid) if isinstance(e, CandidatesJudged)]
    assert (event.model, event.step, len(event.scores)) == ("paid", "angles", 3)
    assert event.cost > 0
    assert event.input_tokens > 0
    after = await w.service.get(pid)
    assert after.step("angles").selected is None
    assert after.version == before.version + 1


async def test_judging_a_step_without_text_is_refused_before_any_call(tmp_path: Path) -> None:
    w = world(tmp_path, {"paid": [_answer()]})
    pid = (await w.service.start("three", {"topic": "judging"})).id
    before = await w.store.last_position()
    with pytest.raises(StepNotReadyError, match="no candidate with text"):
        await w.service.judge(pid, "angles", "paid", ["clarity"])
    assert not [r for r in w.models.requests if r.model_id == "paid"]
    assert await w.store.last_position() == before


def test_a_stored_judgement_reads_back_the_same_through_the_lmdb_codec() -> None:
    from writeit.adapters.lmdb.codec import decode, encode

    score = {"candidate_id": "c1", "criterion": "clarity", "score": 7, "reason": "clear — enough"}
    event = CandidatesJudged(
        pipeline_id="p", seq=4, at="2026-01-01T00:00:00+00:00", branch="main", step="plan", model="paid",
        criteria=("clarity",), scores=(score,), input_tokens=12, output_tokens=30, cost=0.5,
    )  # fmt: skip
    again = decode(encode(event))
    assert again == event
    assert dict(again.scores[0]) == score
