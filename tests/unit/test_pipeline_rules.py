"""The branching rules of the Pipeline aggregate, one behaviour per test."""

from __future__ import annotations

import pytest

from tests.unit.builders import Clock, generate, new_id, started, through
from writeit.domain import events as ev
from writeit.domain.errors import (
    BranchError,
    CandidateStateError,
    InvalidCommandError,
    StepNotReadyError,
    UnknownCandidateError,
    UnknownStepError,
)
from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.state import CandidateStatus


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_new_pipeline_starts_on_main_at_its_first_step(clock: Clock) -> None:
    p = started(clock)
    assert p.current_branch == "main"
    assert p.current_step() == "angles"
    assert [type(e) for e in p.collect()] == [ev.PipelineStarted]


def test_a_step_cannot_run_before_the_one_above_it_has_a_selection(clock: Clock) -> None:
    p = started(clock)
    with pytest.raises(StepNotReadyError, match="'angles' has no selection"):
        p.start_step("outline", [("x", "echo")], clock())


def test_only_a_completed_candidate_can_be_selected(clock: Clock) -> None:
    p = started(clock)
    p.start_step("angles", [("a", "echo"), ("b", "echo")], clock())
    p.fail_candidate("b", "echo", "boom", clock())
    with pytest.raises(CandidateStateError, match="pending"):
        p.select("angles", "a", clock())
    with pytest.raises(CandidateStateError, match="failed"):
        p.select("angles", "b", clock())


def test_selecting_a_candidate_of_another_step_is_refused(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "angles", clock)
    generate(p, "outline", clock)
    with pytest.raises(UnknownCandidateError):
        p.select("outline", made["angles"][1], clock())


def test_an_unknown_step_is_named_with_the_steps_that_exist(clock: Clock) -> None:
    p = started(clock)
    with pytest.raises(UnknownStepError, match="angles, outline, draft"):
        p.give_feedback("nope", "more", clock())


def test_changing_a_selection_marks_every_later_step_with_candidates_stale(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "draft", clock)
    p.collect()
    p.select("angles", made["angles"][1], clock())
    stale = [e.step for e in p.collect() if isinstance(e, ev.StepMarkedStale)]
    assert stale == ["outline", "draft"]
    assert p.step_state("outline").selected == made["outline"][0], "stale steps keep their selection"
    assert not p.is_complete()


def test_a_stale_step_blocks_generation_below_it_until_kept_or_reselected(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "outline", clock)
    p.select("angles", made["angles"][1], clock())
    with pytest.raises(StepNotReadyError, match="'outline' is stale"):
        p.start_step("draft", [("d", "echo")], clock())
    p.keep_stale("outline", clock())
    p.start_step("draft", [("d", "echo")], clock())


def test_selecting_the_last_step_completes_the_branch(clock: Clock) -> None:
    p = started(clock)
    through(p, "draft", clock)
    assert p.is_complete()
    assert any(isinstance(e, ev.PipelineCompleted) for e in p.collect())


def test_an_edit_is_a_new_candidate_that_keeps_the_original(clock: Clock) -> None:
    p = started(clock)
    made = generate(p, "angles", clock)
    new = new_id()
    p.edit("angles", made[0], new, "my own words", clock())
    assert p.candidates[made[0]].text == "text angles 0"
    assert p.candidates[new].text == "my own words"
    assert p.candidates[new].sources == (made[0],)
    assert p.step_state("angles").selected == new


def test_a_merge_records_where_it_came_from_and_is_selected(clock: Clock) -> None:
    p = started(clock)
    made = generate(p, "angles", clock)
    new = new_id()
    p.merge("angles", made, new, "best of both", clock(), model="echo", instruction="combine")
    merged = p.candidates[new]
    assert merged.sources == tuple(made)
    assert merged.origin.value == "merged"
    assert p.step_state("angles").selected == new


def test_a_merge_needs_two_different_candidates(clock: Clock) -> None:
    p = started(clock)
    made = generate(p, "angles", clock)
    with pytest.raises(InvalidCommandError, match="two different"):
        p.merge("angles", [made[0], made[0]], new_id(), "x", clock())


def test_empty_feedback_is_refused(clock: Clock) -> None:
    p = started(clock)
    with pytest.raises(InvalidCommandError):
        p.give_feedback("angles", "   ", clock())


def test_fork_keeps_earlier_selections_and_offers_the_fork_steps_candidates_again(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "draft", clock)
    p.fork("outline", "alt", clock())
    assert p.current_branch == "alt"
    assert p.step_state("angles").selected == made["angles"][0]
    assert p.step_state("outline").selected is None
    assert p.step_state("outline").candidate_ids == made["outline"]
    assert p.step_state("draft").candidate_ids == []


def test_fork_leaves_the_parent_branch_untouched(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "draft", clock)
    before = _branch_state(p, "main")
    p.fork("outline", "alt", clock())
    p.select("outline", made["outline"][1], clock())
    generate(p, "draft", clock)
    p.give_feedback("draft", "shorter", clock())
    assert _branch_state(p, "main") == before


def test_switching_back_restores_the_other_branchs_selections(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "draft", clock)
    p.fork("angles", "alt", clock())
    p.select("angles", made["angles"][1], clock())
    p.switch("main", clock())
    assert p.selected_text("angles") == "text angles 0"
    assert p.is_complete()


def test_a_completed_pipeline_can_still_be_forked(clock: Clock) -> None:
    p = started(clock)
    through(p, "draft", clock)
    p.fork("draft", "rewrite", clock())
    assert p.current_step() == "draft"


def test_fork_names_must_be_new_and_valid(clock: Clock) -> None:
    p = started(clock)
    with pytest.raises(BranchError, match="already exists"):
        p.fork("angles", "main", clock())
    with pytest.raises(BranchError, match="not a valid branch name"):
        p.fork("angles", "../etc", clock())


def test_forking_while_the_fork_step_generates_is_refused(clock: Clock) -> None:
    p = started(clock)
    p.start_step("angles", [("a", "echo")], clock())
    with pytest.raises(BranchError, match="still generating"):
        p.fork("angles", "alt", clock())


def test_a_cancelled_candidate_keeps_its_partial_text_and_can_be_edited(clock: Clock) -> None:
    p = started(clock)
    p.start_step("angles", [("a", "echo")], clock())
    p.cancel_candidate("a", clock(), partial_text="half a tho")
    assert p.candidates["a"].status is CandidateStatus.CANCELLED
    p.edit("angles", "a", "a2", "half a thought, finished", clock())
    assert p.step_state("angles").selected == "a2"


def test_an_interrupted_step_can_be_generated_again(clock: Clock) -> None:
    p = started(clock)
    p.start_step("angles", [("a", "echo")], clock())
    with pytest.raises(StepNotReadyError, match="already generating"):
        p.start_step("angles", [("b", "echo")], clock())
    p.interrupt_candidate("a", clock())
    p.start_step("angles", [("b", "echo")], clock())
    assert p.step_state("angles").generation == 2


def test_a_finished_candidate_cannot_finish_twice(clock: Clock) -> None:
    p = started(clock)
    made = generate(p, "angles", clock)
    with pytest.raises(CandidateStateError, match="already completed"):
        p.cancel_candidate(made[0], clock())


def test_replaying_the_events_rebuilds_the_same_state(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "draft", clock)
    p.fork("outline", "alt", clock())
    p.give_feedback("outline", "punchier", clock())
    p.edit("outline", made["outline"][1], new_id(), "edited", clock())
    again = Pipeline.replay(p.collect())
    assert _state(again) == _state(p)


def _branch_state(p: Pipeline, name: str) -> object:
    b = p.branches[name]
    return (
        b.completed,
        {k: (s.selected, list(s.candidate_ids), list(s.feedback), s.stale) for k, s in b.steps.items()},
    )


def _state(p: Pipeline) -> object:
    return (
        p.version,
        p.current_branch,
        {name: _branch_state(p, name) for name in p.branches},
        {cid: (c.status, c.text, c.model, c.sources) for cid, c in p.candidates.items()},
    )


def _pending(p: Pipeline, step: str, branch: str) -> list[str]:
    return [f.text for f in p.branches[branch].steps[step].pending_feedback]


def test_feedback_is_pending_until_a_model_answers_it_on_its_own_branch_only(clock: Clock) -> None:
    p = started(clock)
    through(p, "angles", clock)
    p.fork("outline", "alt", clock())
    p.switch("main", clock())
    p.give_feedback("outline", "tighter", clock())
    running = new_id()
    p.start_step("outline", [(running, "echo")], clock(), prompt="outline, tighter")
    p.switch("alt", clock())
    p.give_feedback("outline", "looser", clock())
    assert _pending(p, "outline", "main") == ["tighter"]
    assert _pending(p, "outline", "alt") == ["looser"]

    p.complete_candidate(running, CandidateOutput(model="echo", text="tight outline"), clock())  # main's round

    assert _pending(p, "outline", "main") == []
    assert _pending(p, "outline", "alt") == ["looser"], "an answer on main is no answer to alt's feedback"


def test_feedback_nobody_answered_is_dropped_once_the_writer_selects(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "angles", clock)
    p.give_feedback("angles", "in Klingon", clock())
    failing = new_id()
    p.start_step("angles", [(failing, "echo")], clock(), prompt="angles, in Klingon")
    p.fail_candidate(failing, "echo", "context overflow", clock())
    assert _pending(p, "angles", "main") == ["in Klingon"]

    p.select("angles", made["angles"][1], clock())  # the writer settles for an earlier candidate

    assert _pending(p, "angles", "main") == []
