"""A guided merge: one extraction call, the writer's ticked points, one merge call; each recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.service_fixtures import World, world
from writeit.adapters.memory.language_model import Script
from writeit.application.guided_merge import PointsUnreadableError, parse_points
from writeit.domain import events as ev
from writeit.domain.errors import CandidateStateError, InvalidCommandError, UnknownExtractionError

EIGHT = """
metadata: {name: eight}
steps:
  angles: {name: Angles, prompt_template: "Angles", response_count: 8}
"""
POINTS = "\n".join(json.dumps({"point": f"point {n}", "drafts": [n, n % 8 + 1]}) for n in range(1, 9))


async def eight_candidates(tmp_path: Path, scripts: dict[str, Script]) -> tuple[World, str, list[str]]:
    w = world(tmp_path, {"drafter": Script(chunks=("a draft",)), **scripts}, default_model="drafter")
    (tmp_path / "templates" / "eight.yaml").write_text(EIGHT)
    view = await w.service.start("eight", {})
    await (await w.service.generate(view.id)).wait()
    return w, view.id, [c.id for c in (await w.service.get(view.id)).step("angles").candidates]


async def test_a_guided_merge_of_eight_candidates_costs_one_extraction_and_one_merge_call(tmp_path: Path) -> None:
    w, pid, ids = await eight_candidates(
        tmp_path, {"points": Script(chunks=(POINTS,)), "writer": Script(chunks=("merged",))}
    )
    before = len(w.models.requests)
    extraction = await w.service.guided.extract(pid, "angles", ids, "points")
    assert [p.id for p in extraction.points] == [f"p{n}" for n in range(1, 9)]
    assert extraction.points[7].sources == (ids[7], ids[0])
    view = await w.service.guided.merge(pid, "angles", extraction.id, ["p3", "p1"], model="writer")
    calls = [r.model_id for r in w.models.requests[before:]]
    assert calls == ["points", "writer"]
    merge_prompt = w.models.requests[-1].prompt
    assert merge_prompt.index("point 3") < merge_prompt.index("point 1")
    assert "point 2" not in merge_prompt, "only the ticked points reach the merge"
    merged = view.step("angles").selected_candidate
    assert merged is not None
    assert (merged.origin, merged.text, merged.sources) == ("merged", "merged", tuple(ids))
    assert (merged.extraction_id, merged.points) == (extraction.id, ("p3", "p1"))


async def test_extraction_choice_and_merge_are_each_an_event(tmp_path: Path) -> None:
    w, pid, ids = await eight_candidates(tmp_path, {"points": Script(chunks=(POINTS,))})
    extraction = await w.service.guided.extract(pid, "angles", ids[:2], "points")
    await w.service.guided.merge(pid, "angles", extraction.id, ["p2"], model="drafter")
    kinds = [type(e) for e in await w.service.events(pid)][-5:]
    assert kinds == [
        ev.PointsExtracted,
        ev.PointsChosen,
        ev.CandidatesMerged,
        ev.CandidateSelected,
        ev.PipelineCompleted,
    ]


async def test_an_answer_with_no_points_is_recorded_as_a_failed_extraction_and_cannot_be_merged(tmp_path: Path) -> None:
    w, pid, ids = await eight_candidates(tmp_path, {"points": Script(chunks=("I cannot help with that.",))})
    extraction = await w.service.guided.extract(pid, "angles", ids[:2], "points")
    assert extraction.points == ()
    assert "lists no points" in extraction.error
    stored = (await w.service.events(pid))[-1]
    assert isinstance(stored, ev.PointsExtracted)
    assert stored.answer == "I cannot help with that."
    with pytest.raises(CandidateStateError, match="failed"):
        await w.service.guided.merge(pid, "angles", extraction.id, ["p1"])


async def test_ticking_an_unknown_point_is_refused_and_records_nothing(tmp_path: Path) -> None:
    w, pid, ids = await eight_candidates(tmp_path, {"points": Script(chunks=(POINTS,))})
    extraction = await w.service.guided.extract(pid, "angles", ids[:2], "points")
    version = extraction.version
    with pytest.raises(InvalidCommandError, match="no point p9"):
        await w.service.guided.merge(pid, "angles", extraction.id, ["p1", "p9"])
    with pytest.raises(UnknownExtractionError):
        await w.service.guided.merge(pid, "angles", "nope", ["p1"])
    assert (await w.service.get(pid)).version == version


async def test_the_extraction_cost_counts_in_the_pipelines_totals(tmp_path: Path) -> None:
    w, pid, ids = await eight_candidates(tmp_path, {"paid": Script(chunks=(POINTS,), usage=(100, 50))})
    before = (await w.service.get(pid)).totals
    await w.service.guided.extract(pid, "angles", ids[:2], "paid")
    after = (await w.service.get(pid)).totals
    assert after.input_tokens == before.input_tokens + 100
    assert after.cost > before.cost


def test_points_are_read_from_a_numbered_list_with_the_drafts_in_brackets() -> None:
    points = parse_points("Here they are:\n1. Fast replays [1, 2]\n2) Small events (draft 2)\n- A bullet\n", ["a", "b"])
    assert [(p.text, p.sources) for p in points] == [
        ("Fast replays", ("a", "b")),
        ("Small events", ("b",)),
        ("A bullet", ()),
    ]


def test_points_are_read_from_a_fenced_json_list_and_draft_numbers_out_of_range_are_dropped() -> None:
    answer = '```json\n[{"point": "One", "drafts": [1, 7]}, {"text": "Two", "sources": ["2"]}]\n```'
    assert [(p.text, p.sources) for p in parse_points(answer, ["a", "b"])] == [("One", ("a",)), ("Two", ("b",))]


def test_an_answer_without_points_is_unreadable() -> None:
    with pytest.raises(PointsUnreadableError, match="lists no points"):
        parse_points('{"prompt": "echoed back"}', ["a", "b"])


def test_a_snapshot_keeps_the_extractions_and_a_replay_rebuilds_them() -> None:
    from tests.contract.kept_bodies import KeptBodies
    from tests.unit.builders import Clock, generate, started
    from writeit.domain.pipeline import Pipeline
    from writeit.domain.state import Point

    clock = Clock()
    p = started(clock)
    ids = generate(p, "angles", clock)
    p.record_extraction("angles", "x1", ids, [Point("p1", "one", (ids[1],))], clock(), model="echo")
    p.choose_points("x1", ["p1"], clock())
    events = [*p.collect()]
    restored = KeptBodies().round_trip(p)
    assert restored.extractions == p.extractions
    assert restored.extractions["x1"].chosen == ("p1",)
    assert Pipeline.replay(events).extractions == p.extractions


async def test_an_extraction_past_the_budget_is_refused_before_the_call_and_stores_nothing(tmp_path: Path) -> None:
    from writeit.application.budget import Budget, BudgetExceededError

    w = world(tmp_path, {"paid": Script(chunks=(POINTS,))}, budget=Budget(limit=0.0001, output_guess=1000))
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    ids = [c.id for c in (await w.service.get(view.id)).step("angles").candidates]
    version, calls = (await w.service.get(view.id)).version, len(w.models.requests)
    with pytest.raises(BudgetExceededError, match="step 'points'"):
        await w.service.guided.extract(view.id, "angles", ids, "paid")
    assert (len(w.models.requests), (await w.service.get(view.id)).version) == (calls, version)
