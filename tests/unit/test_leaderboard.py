"""The leaderboard: its arithmetic on cases worked by hand, and the preferences the selections state."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.unit.service_fixtures import World, world
from writeit.adapters.memory.projection_store import InMemoryProjectionStore
from writeit.application.hub import StreamHub
from writeit.application.leaderboard import PreferenceService
from writeit.application.ports import ProjectionState
from writeit.application.preferences import PREFERENCES, TALLY, TALLY_VERSION
from writeit.application.ratings import bradley_terry, standings, wilson
from writeit.application.repository import PipelineRepository
from writeit.domain.events import Event

SCRIPTS = {"alpha": ["alpha says"] * 50, "beta": ["beta says"] * 50, "gamma": ["gamma says"] * 50}
PICK = """
metadata: {name: pick}
inputs:
  topic: {type: text, required: true}
steps:
  angles: {name: Angles, prompt_template: "Angles on {{ inputs.topic }}"}
  outline: {name: Outline, prompt_template: "Outline from {{ steps.angles }}"}
  draft: {name: Draft, prompt_template: "Draft from {{ steps.outline }}"}
"""


def _world(tmp_path: Path) -> World:
    """The service world with a template whose steps each answer once per model."""
    w = world(tmp_path, SCRIPTS)
    (tmp_path / "templates" / "pick.yaml").write_text(PICK)
    return w


def test_three_models_whose_odds_multiply_get_the_ratings_worked_by_hand() -> None:
    # With the prior (half a win each way per pair that met) the effective wins are A>B 4.5:1.5, B>C 4.5:1.5 and
    # A>C 4.5:0.5: odds 3, 3 and 9, which strengths 9, 3, 1 satisfy exactly, so they are the likelihood's maximum.
    # Normalised to a geometric mean of 1 (÷3): 3, 1, 1/3, i.e. 1500 + 400·log10(3) = 1690.85, 1500, 1309.15.
    counts = {("A", "B"): 4, ("B", "A"): 1, ("B", "C"): 4, ("C", "B"): 1, ("A", "C"): 4}
    table = standings(counts)
    assert [s.model for s in table] == ["A", "B", "C"]
    assert [round(s.rating, 2) for s in table] == [1690.85, 1500.0, 1309.15]
    assert [(s.wins, s.losses, s.games) for s in table] == [(8, 1, 9), (5, 5, 10), (1, 8, 9)]
    assert table[0].win_rate == pytest.approx(8 / 9)
    # Wilson at z = 1.96 for 8 of 9: centre (8/9 + 1.9208/9) / (1 + 3.8415/9) = 0.77257,
    # half 1.96·√(8/9·1/9/9 + 3.8415/324) / 1.42683 = 0.20756.
    assert (round(table[0].win_rate_low, 4), round(table[0].win_rate_high, 4)) == (0.5650, 0.9801)


def test_without_a_prior_two_models_at_three_to_one_are_rated_by_the_odds_alone() -> None:
    strength = bradley_terry({("A", "B"): 3, ("B", "A"): 1}, prior=0.0)
    assert strength["A"] / strength["B"] == pytest.approx(3.0)
    assert math.prod(strength.values()) == pytest.approx(1.0)


def test_a_model_that_never_lost_keeps_a_finite_rating_and_an_interval_reaching_one() -> None:
    best, worst = standings({("A", "B"): 3})
    assert best.model == "A"
    assert math.isfinite(best.rating)
    assert math.isfinite(worst.rating)
    assert best.rating - worst.rating == pytest.approx(400 * math.log10(3.5 / 0.5))
    assert best.win_rate_high == 1.0
    assert worst.win_rate_low == 0.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_pairs_of_one_model_with_itself_count_for_nothing() -> None:
    assert standings({("A", "A"): 5}) == []


async def _round(w: World, pipeline_id: str, step: str | None = None) -> dict[str, str]:
    """Generate a round of alpha, beta and gamma; their candidate ids by model."""
    view = await w.service.get(pipeline_id)
    await (await w.service.generate(pipeline_id, step, models=["alpha", "beta", "gamma"])).wait()
    view = await w.service.get(pipeline_id)
    key = step or view.current_step
    candidates = view.step(key).candidates
    latest = max(c.generation for c in candidates)
    return {c.model: c.id for c in candidates if c.generation == latest and c.origin == "generated"}


def _service(w: World, projections: InMemoryProjectionStore | None = None) -> PreferenceService:
    """A reader of its own (as another process is), over the world's store."""
    repository = PipelineRepository(w.store, StreamHub())
    return PreferenceService(w.store, projections or InMemoryProjectionStore(), repository)


async def _journey(tmp_path: Path) -> World:
    """Two pipelines whose choices are worked out in the test below, kept in step with it."""
    w = _world(tmp_path)
    one = (await w.service.start("pick", {"topic": "one"})).id
    ids = await _round(w, one, "angles")
    await w.service.select(one, "angles", ids["alpha"])  # alpha > beta, alpha > gamma
    await w.service.select(one, "angles", ids["alpha"])  # the same again: nothing new
    ids = await _round(w, one, "outline")
    await w.service.edit(one, "outline", ids["beta"], "beta, rewritten")  # beta > alpha, beta > gamma
    ids = await _round(w, one, "draft")
    await w.service.merge_by_hand(one, "draft", [ids["alpha"], ids["gamma"]], "both")  # alpha > beta, gamma > beta
    two = (await w.service.start("pick", {"topic": "two"})).id
    ids = await _round(w, two, "angles")
    await w.service.select(two, "angles", ids["gamma"])  # gamma > alpha, gamma > beta
    await w.service.select(two, "angles", ids["beta"])  # changed mind: beta > alpha, beta > gamma
    return w


async def test_selections_edits_and_merges_give_the_preferences_worked_by_hand(tmp_path: Path) -> None:
    w = await _journey(tmp_path)
    board = await _service(w).leaderboard()
    # alpha: wins 2 (angles) + 1 (draft) = 3; losses 1 (outline) + 1 + 1 (two) = 3.
    # beta: wins 2 (outline) + 2 (two) = 4; losses 1 (angles) + 2 (draft) + 1 (two) = 4.
    # gamma: wins 1 (draft) + 2 (two) = 3; losses 1 + 1 + 1 (two) = 3.
    got = {s.model: (s.wins, s.losses) for s in board.models}
    assert got == {"alpha": (3, 3), "beta": (4, 4), "gamma": (3, 3)}
    assert board.comparisons == 10
    angles = await _service(w).leaderboard(template="pick", step="angles")
    assert {s.model: (s.wins, s.losses) for s in angles.models} == {"alpha": (2, 2), "beta": (2, 2), "gamma": (2, 2)}
    assert (await _service(w).leaderboard(template="other")).models == ()


async def test_the_rebuilt_tally_equals_the_one_kept_incrementally(tmp_path: Path) -> None:
    w = _world(tmp_path)
    kept = InMemoryProjectionStore()
    incremental = _service(w, kept)
    one = (await w.service.start("pick", {"topic": "one"})).id
    for step in ("angles", "outline", "draft"):
        ids = await _round(w, one, step)
        await w.service.select(one, step, ids["gamma" if step == "outline" else "beta"])
        await incremental.leaderboard()  # caught up after every selection
    assert await _service(w).leaderboard() == await incremental.leaderboard()
    assert (await incremental.leaderboard()).comparisons == 6


async def test_a_tally_of_another_version_is_rebuilt_by_itself(tmp_path: Path) -> None:
    w = await _journey(tmp_path)
    projections = InMemoryProjectionStore()
    await projections.reset(TALLY, TALLY_VERSION - 1)
    bogus = {"template": "pick", "step": "angles", "winner": "alpha", "loser": "beta", "count": 1000}
    await projections.commit(TALLY, ProjectionState(TALLY_VERSION - 1, 0), 10_000, {"x": bogus})
    assert await _service(w, projections).leaderboard() == await _service(w).leaderboard()
    assert (await projections.state(TALLY)).position == await w.store.last_position()


async def test_an_up_to_date_leaderboard_reads_no_pipeline_events(tmp_path: Path) -> None:
    w = await _journey(tmp_path)
    service = _service(w)
    expected = await service.leaderboard()

    async def no_replay(pipeline_id: str, after: int = 0) -> list[Event]:
        raise AssertionError(f"the leaderboard replayed {pipeline_id}")

    w.store.read = no_replay  # type: ignore[method-assign]
    assert await service.leaderboard() == expected


async def test_the_dpo_export_gives_prompt_chosen_and_rejected_field_by_field(tmp_path: Path) -> None:
    w = await _journey(tmp_path)
    one = (await w.service.summaries())[0].id
    export = await _service(w).export("dpo", template="pick", step="outline")
    outline = (await w.service.get(one)).step("outline")
    by_model = {c.model: c for c in outline.candidates if c.origin == "generated"}
    prompt = by_model["beta"].prompt
    assert prompt.startswith("Outline from")
    assert [sorted(r) for r in export.records] == [["chosen", "prompt", "rejected"]] * 2
    assert export.records == (
        {"prompt": prompt, "chosen": "beta, rewritten", "rejected": by_model["alpha"].text},
        {"prompt": prompt, "chosen": "beta, rewritten", "rejected": by_model["gamma"].text},
    )


async def test_the_jsonl_export_adds_models_template_step_and_pipeline(tmp_path: Path) -> None:
    w = await _journey(tmp_path)
    one, two = (s.id for s in await w.service.summaries())
    export = await _service(w).export("jsonl", pipelines=[two])
    assert len(export.records) == 4  # gamma over two, then beta over two
    first = export.records[0]
    assert (first["chosen_model"], first["rejected_model"], first["how"]) == ("gamma", "alpha", "generated")
    assert (first["pipeline_id"], first["template"], first["step"], first["branch"]) == (two, "pick", "angles", "main")
    assert first["chosen"].startswith("gamma says")
    assert first["rejected"].startswith("alpha says")
    merged = (await _service(w).export("jsonl", pipelines=[one], step="draft")).records
    assert [(r["chosen_model"], r["rejected_model"], r["chosen"], r["how"]) for r in merged] == [
        ("alpha", "beta", "both", "merged")
    ]
    assert PREFERENCES == "preferences"


async def test_an_unknown_export_format_or_pipeline_is_refused(tmp_path: Path) -> None:
    w = await _journey(tmp_path)
    with pytest.raises(Exception, match="unknown preference format 'csv'"):
        await _service(w).export("csv")
    with pytest.raises(Exception, match="nope"):
        await _service(w).export("dpo", pipelines=["nope"])


async def test_two_processes_sharing_the_tally_never_count_from_a_stale_copy(tmp_path: Path) -> None:
    w = _world(tmp_path)
    shared = InMemoryProjectionStore()
    first, second = _service(w, shared), _service(w, shared)
    one = (await w.service.start("pick", {"topic": "one"})).id
    for n in range(3):  # three rounds of one step: the same rows counted on
        ids = await _round(w, one, "angles")
        await w.service.select(one, "angles", ids["alpha"])
        await (first if n % 2 == 0 else second).leaderboard()  # each catches up past the other's rows in turn
    assert await first.leaderboard() == await _service(w).leaderboard()
    assert {s.model: s.wins for s in (await second.leaderboard()).models} == {"alpha": 6, "beta": 0, "gamma": 0}
