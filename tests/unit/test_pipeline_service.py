"""The application services on in-memory adapters: what a writer (or a client) sees happen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script
from writeit.application.autopilot import run_headless
from writeit.application.budget import CostEstimate
from writeit.application.errors import ImportRefusedError, ModelError, ModelNotFoundError, VersionConflictError
from writeit.application.hub import EventMessage, TokenMessage
from writeit.application.pick import PickStrategy
from writeit.application.views import CandidateView, StepView
from writeit.domain import events as ev
from writeit.domain.errors import (
    BranchMovedError,
    InputInvalidError,
    StepNotReadyError,
    TemplateInvalidError,
    UnknownBranchError,
    UnknownCandidateError,
)


class Quiet:
    """Keeps what streamed as a headless observer sees it: a restart drops the candidate's text so far."""

    def __init__(self) -> None:
        self.chunks: list[tuple[str, str]] = []
        self.estimates: list[object] = []
        self.restarts: list[str] = []

    def step_started(self, step: StepView, candidate_ids: object, estimate: object) -> None:
        self.estimates.append(estimate)

    def chunk(self, candidate_id: str, text: str) -> None:
        self.chunks.append((candidate_id, text))

    def restart(self, candidate_id: str) -> None:
        self.restarts.append(candidate_id)
        self.chunks = [(cid, text) for cid, text in self.chunks if cid != candidate_id]

    def text_of(self, candidate_id: str) -> str:
        return "".join(text for cid, text in self.chunks if cid == candidate_id)

    def step_finished(self, step: StepView, chosen: CandidateView) -> None:
        pass


async def test_starting_with_a_missing_required_input_stores_nothing(tmp_path: Path) -> None:
    w = world(tmp_path)
    with pytest.raises(InputInvalidError, match="topic"):
        await w.service.start("three", {})
    assert await w.store.pipeline_ids() == []


async def test_every_candidate_of_a_step_runs_and_streams_to_subscribers(tmp_path: Path) -> None:
    w = world(tmp_path, {"slow": Script(chunks=("a", "b", "c"), delay=0.01)})
    view = await w.service.start("three", {"topic": "LMDB"})
    with w.service.subscribe(view.id) as sub:
        generation = await w.service.generate(view.id, models=["slow"])
        await generation.wait()
        messages = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    tokens = [m for m in messages if isinstance(m, TokenMessage)]
    assert len(tokens) == 6, "two candidates × three chunks"
    completed = [
        m.event for m in messages if isinstance(m, EventMessage) and isinstance(m.event, ev.CandidateCompleted)
    ]
    assert sorted(e.candidate_id for e in completed) == sorted(generation.candidate_ids)
    step = (await w.service.get(view.id)).step("angles")
    assert [c.text for c in step.candidates] == ["abc", "abc"]


async def test_one_failing_model_does_not_stop_the_others(tmp_path: Path) -> None:
    w = world(tmp_path, {"bad": ModelError("bad", "exploded"), "good": ["fine"]})
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id, models=["bad", "good"])).wait()
    step = (await w.service.get(view.id)).step("angles")
    assert sorted(c.status for c in step.candidates) == ["completed", "completed", "failed", "failed"]
    assert "exploded" in next(c.error for c in step.candidates if c.status == "failed")


async def test_a_transient_error_is_retried_and_the_retry_is_recorded(tmp_path: Path) -> None:
    flaky = [Script(error=ModelError("flaky", "429 rate limited", transient=True)), Script(chunks=("ok",))]
    w = world(tmp_path, {"flaky": flaky})
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id, models=["flaky"])).wait()
    step = (await w.service.get(view.id)).step("angles")
    assert [c.status for c in step.candidates] == ["completed", "completed"]
    assert "429" in step.candidates[0].attempts[0]


async def test_a_fallback_chain_falls_through_to_the_next_model_and_records_it(tmp_path: Path) -> None:
    template = tmp_path / "templates" / "chain.yaml"
    template.parent.mkdir(exist_ok=True)
    template.write_text(
        "metadata: {name: chain}\nsteps:\n  only:\n    name: Only\n    prompt_template: hi\n"
        "    model_preference: [nokey, echo]\n"
    )
    w = world(tmp_path, {"nokey": ModelError("nokey", "needs an API key")})
    view = await w.service.start("chain", {})
    await (await w.service.generate(view.id)).wait()
    candidate = (await w.service.get(view.id)).step("only").candidates[0]
    assert candidate.status == "completed"
    assert candidate.model == "echo"
    assert candidate.fallbacks
    assert candidate.fallbacks[0].startswith("nokey -> echo")


async def test_an_unknown_model_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    with pytest.raises(ModelNotFoundError, match="'nope'"):
        await w.service.generate(view.id, models=["nope"])
    assert await w.store.version(view.id) == view.version


async def test_cancelling_a_candidate_keeps_its_partial_text(tmp_path: Path) -> None:
    w = world(tmp_path, {"slow": Script(chunks=tuple("abcdefghij"), delay=0.05)})
    view = await w.service.start("three", {"topic": "x"})
    generation = await w.service.generate(view.id, models=["slow"])
    await asyncio.sleep(0.12)
    assert await w.service.cancel(view.id, generation.candidate_ids[0])
    await generation.wait()
    first, second = (await w.service.get(view.id)).step("angles").candidates
    assert first.status == "cancelled"
    assert 0 < len(first.text) < 10
    assert second.text == "abcdefghij"


async def test_a_stale_expected_version_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    state = await w.service.get(view.id)
    with pytest.raises(VersionConflictError):
        await w.service.select(view.id, "angles", state.step("angles").candidates[0].id, expected_version=1)
    assert (await w.service.get(view.id)).version == state.version


async def test_feedback_reaches_the_next_prompt_and_old_candidates_stay(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    await (await w.service.generate(view.id, "angles", feedback="make it funnier")).wait()
    step = (await w.service.get(view.id)).step("angles")
    assert len(step.candidates) == 4
    assert "make it funnier" in w.models.requests[-1].prompt
    assert step.feedback == ("make it funnier",)


async def test_models_chosen_at_start_answer_every_step_in_every_session(tmp_path: Path) -> None:
    scripts = {"alpha": ["from alpha"], "beta": ["from beta"]}
    w = world(tmp_path, scripts)
    view = await w.service.start("three", {"topic": "x"}, models=["alpha", "beta"])
    assert view.models == ("alpha", "beta")
    await (await w.service.generate(view.id)).wait()
    later = world(tmp_path, scripts, session="process-2", store=w.store)  # another process, the same store
    first = (await later.service.get(view.id)).step("angles")
    await later.service.select(view.id, "angles", first.candidates[0].id)
    await (await later.service.generate(view.id)).wait()
    second = (await later.service.get(view.id)).step("outline")

    assert [c.model for c in first.candidates] == ["alpha", "alpha", "beta", "beta"]  # response_count 2
    assert [c.model for c in second.candidates] == ["alpha", "beta"]
    one_off = await later.service.generate(view.id, "outline", models=["echo"])  # a call's own models win
    await one_off.wait()
    assert [c.model for c in (await later.service.get(view.id)).step("outline").candidates[2:]] == ["echo"]


async def test_an_unknown_model_chosen_at_start_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    w = world(tmp_path)
    with pytest.raises(ModelNotFoundError, match="no-such-model"):
        await w.service.start("three", {"topic": "x"}, models=["echo", "no-such-model"])
    assert await w.store.pipeline_ids() == []


async def test_feedback_given_on_its_own_reaches_the_next_round_once(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    await w.service.give_feedback(view.id, "angles", "fewer adjectives")
    await w.service.give_feedback(view.id, "angles", "cite a source")

    await (await w.service.generate(view.id, "angles")).wait()
    assert "fewer adjectives" in w.models.requests[-1].prompt
    assert "cite a source" in w.models.requests[-1].prompt

    await (await w.service.generate(view.id, "angles")).wait()  # that round used them
    assert "fewer adjectives" not in w.models.requests[-1].prompt
    assert (await w.service.get(view.id)).step("angles").feedback == ("fewer adjectives", "cite a source")


async def test_feedback_whose_round_produced_nothing_is_carried_by_the_next_round(tmp_path: Path) -> None:
    boom = Script(error=ModelError("m", "boom"))
    w = world(tmp_path, {"m": [boom, boom, Script(chunks=("ok",))]})
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id, "angles", feedback="say it plainly", models=["m"])).wait()
    failed = (await w.service.get(view.id)).step("angles")
    assert [c.status for c in failed.candidates] == ["failed", "failed"]
    assert failed.pending_feedback == ("say it plainly",)  # shown to the writer as waiting for an answer

    await (await w.service.generate(view.id, "angles", models=["m"])).wait()  # the writer tries again
    assert "say it plainly" in w.models.requests[-1].prompt
    assert (await w.service.get(view.id)).step("angles").candidates[-1].status == "completed"

    await (await w.service.generate(view.id, "angles", models=["m"])).wait()  # answered: not carried again
    assert "say it plainly" not in w.models.requests[-1].prompt


async def test_regenerating_one_failed_candidate_carries_the_feedback_of_its_round(tmp_path: Path) -> None:
    w = world(tmp_path, {"good": ["fine"], "bad": [Script(error=ModelError("bad", "boom")), Script(chunks=("ok",))]})
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id, "angles", feedback="name a source", models=["good", "bad"])).wait()
    step = (await w.service.get(view.id)).step("angles")
    failed = next(c for c in step.candidates if c.status == "failed")
    assert step.pending_feedback == (), "a sibling answered it"

    await (await w.service.generate(view.id, "angles", candidate_id=failed.id)).wait()

    assert w.models.requests[-1].model_id == "bad"
    assert "name a source" in w.models.requests[-1].prompt


async def test_regenerating_one_candidate_adds_one_with_the_same_model(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    first = (await w.service.get(view.id)).step("angles").candidates[0]
    await (await w.service.generate(view.id, "angles", candidate_id=first.id)).wait()
    step = (await w.service.get(view.id)).step("angles")
    assert len(step.candidates) == 3
    assert step.candidates[-1].model == first.model


async def test_the_next_step_cannot_start_before_a_selection(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    with pytest.raises(StepNotReadyError):
        await w.service.generate(view.id, "outline")


async def test_a_fork_then_generation_on_it_leaves_main_as_it_was(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await run_headless(w.service, "three", {"topic": "x"}, observer=Quiet())
    main_before = await w.service.get(view.id, "main")
    forked = await w.service.fork(view.id, "outline", "alt")
    assert forked.branch == "alt"
    await (await w.service.generate(view.id, "outline", feedback="tighter")).wait()
    main_after = await w.service.get(view.id, "main")
    assert main_after.steps == main_before.steps
    assert (await w.service.get(view.id, "alt")).step("outline").feedback == ("tighter",)


async def test_a_command_meant_for_a_branch_another_client_switched_away_from_changes_nothing(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    first = (await w.service.get(view.id)).step("angles").candidates[0]
    await w.service.fork(view.id, "angles", "alt")  # another client forks (and so switches) meanwhile
    before = await w.service.get(view.id)

    with pytest.raises(BranchMovedError, match="on branch 'alt' now, not 'main'"):
        await w.service.select(view.id, "angles", first.id, branch="main")
    with pytest.raises(BranchMovedError):
        await w.service.generate(view.id, "angles", feedback="again", branch="main")
    with pytest.raises(UnknownBranchError):
        await w.service.keep_stale(view.id, "angles", branch="nope")

    after = await w.service.get(view.id)
    assert after.version == before.version
    assert (await w.service.get(view.id, "main")).step("angles").selected is None
    selected = await w.service.select(view.id, "angles", first.id, branch="alt")  # meant for the branch shown
    assert selected.step("angles").selected == first.id


async def test_candidates_of_a_dead_process_are_recovered_as_interrupted_and_the_step_runs_again(
    tmp_path: Path,
) -> None:
    w = world(tmp_path, {"slow": Script(chunks=tuple("abcdef"), delay=0.2)}, session="dead")
    view = await w.service.start("three", {"topic": "x"})
    generation = await w.service.generate(view.id, models=["slow"])
    # Another process sharing the store finds candidates whose process ("dead") is gone.
    other = world(tmp_path, store=w.store, session="process-2", alive=frozenset({"process-2"})).service
    assert sorted(await other.recover(view.id)) == sorted(generation.candidate_ids)
    assert {c.status for c in (await other.get(view.id)).step("angles").candidates} == {"interrupted"}
    await (await other.generate(view.id)).wait()
    assert (await other.get(view.id)).step("angles").generation == 2
    for cid in generation.candidate_ids:
        await w.service.cancel(view.id, cid)


async def test_candidates_of_a_live_process_are_left_running(tmp_path: Path) -> None:
    w = world(tmp_path, {"slow": Script(chunks=tuple("abc"), delay=0.05)}, session="process-1")
    view = await w.service.start("three", {"topic": "x"})
    generation = await w.service.generate(view.id, models=["slow"])
    other = world(tmp_path, store=w.store, session="process-2", alive=frozenset({"process-1", "process-2"})).service
    assert await other.recover(view.id) == []
    with pytest.raises(StepNotReadyError, match="already generating"):
        await other.generate(view.id)
    await generation.wait()
    assert {c.status for c in (await other.get(view.id)).step("angles").candidates} == {"completed"}


async def test_a_headless_run_selects_every_step_and_exports_markdown(tmp_path: Path) -> None:
    w = world(tmp_path)
    quiet = Quiet()
    view = await run_headless(w.service, "three", {"topic": "LMDB"}, strategy=PickStrategy.LONGEST, observer=quiet)
    assert view.completed
    assert quiet.chunks, "chunks reached the observer"
    markdown = await w.service.export_markdown(view.id)
    assert markdown.startswith('---\ntitle: "LMDB"\n')
    selected = view.step("draft").selected_candidate
    assert selected is not None
    assert markdown.rstrip().endswith(selected.text.strip())


async def test_a_headless_run_is_told_when_a_retry_restarts_a_candidate_and_sees_only_its_new_text(
    tmp_path: Path,
) -> None:
    broken = Script(chunks=("par", "tial "), error=ModelError("m", "connection lost", transient=True))
    w = world(tmp_path, {"m": [broken, Script(chunks=("whole", " answer"))]})
    quiet = Quiet()
    view = await run_headless(w.service, "three", {"topic": "x"}, models=["m"], observer=quiet)
    angles = view.step("angles").candidates
    assert quiet.restarts == [angles[0].id], "only the candidate whose stream broke restarted"
    for candidate in (c for s in view.steps for c in s.candidates):
        assert quiet.text_of(candidate.id) == candidate.text == "whole answer"


async def test_showing_an_unknown_branch_names_the_branches_that_exist(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    with pytest.raises(UnknownBranchError, match="branches are: main"):
        await w.service.get(view.id, "nope")


async def test_a_model_merge_of_unknown_candidates_is_refused_before_any_model_call(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    calls = len(w.models.requests)
    with pytest.raises(UnknownCandidateError):
        await w.service.merge_by_model(view.id, "angles", ["nope", "other"], "combine")
    assert len(w.models.requests) == calls


async def test_cancelling_through_another_pipeline_is_refused_and_the_candidate_runs_on(tmp_path: Path) -> None:
    w = world(tmp_path, {"slow": Script(chunks=tuple("abcd"), delay=0.05)})
    first = await w.service.start("three", {"topic": "a"})
    other = await w.service.start("three", {"topic": "b"})
    generation = await w.service.generate(first.id, models=["slow"])
    with pytest.raises(UnknownCandidateError):
        await w.service.cancel(other.id, generation.candidate_ids[0])
    await generation.wait()
    assert {c.status for c in (await w.service.get(first.id)).step("angles").candidates} == {"completed"}


async def test_inputs_that_break_a_prompt_are_refused_at_start_and_nothing_is_stored(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "ratio.yaml").write_text(
        "metadata: {name: ratio}\ninputs:\n  n: {type: number, required: true}\n"
        "steps:\n  one:\n    name: One\n    prompt_template: 'A share of {{ 100 / inputs.n }}'\n"
    )
    w = world(tmp_path)
    with pytest.raises(TemplateInvalidError, match="division by zero"):
        await w.service.start("ratio", {"n": "0"})
    assert await w.store.pipeline_ids() == []
    assert (await w.service.start("ratio", {"n": "4"})).inputs["n"] == 4


async def test_a_non_finite_number_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "num.yaml").write_text(
        "metadata: {name: num}\ninputs:\n  n: {type: number}\n"
        "steps:\n  one: {name: One, prompt_template: '{{ inputs.n }}'}\n"
    )
    w = world(tmp_path)
    for value in ("nan", "inf", float("nan")):
        with pytest.raises(InputInvalidError, match="n"):
            await w.service.start("num", {"n": value})


async def test_an_import_whose_selection_names_an_unknown_candidate_is_refused(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await run_headless(w.service, "three", {"topic": "x"}, observer=Quiet())
    history = await w.service.export_history(view.id)
    for record in history["events"]:
        if record["type"] == "CandidateSelected":
            record["candidate_id"] = "nonexistent"
    other = world(tmp_path, session="process-2")
    with pytest.raises(ImportRefusedError, match="nonexistent"):
        await other.service.import_history(history)
    assert await other.store.pipeline_ids() == []


async def test_a_pipeline_whose_stored_template_no_longer_validates_can_still_be_shown(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await run_headless(w.service, "three", {"topic": "x"}, observer=Quiet())
    history = await w.service.export_history(view.id)
    history["events"][0]["template_text"] = "steps: [this no longer validates"
    other = world(tmp_path, session="process-2")
    imported = await other.service.import_history(history)
    assert imported.completed
    assert (await other.service.get(view.id)).step("draft").selected == view.step("draft").selected
    with pytest.raises(TemplateInvalidError):
        await other.service.generate(view.id, "draft")


async def test_each_round_is_announced_with_its_cost_estimate(tmp_path: Path) -> None:
    w = world(tmp_path, {"paid": ["some answer"]})
    quiet = Quiet()
    await run_headless(w.service, "three", {"topic": "x"}, models=["paid"], observer=quiet)
    assert len(quiet.estimates) == 3
    first = quiet.estimates[0]
    assert isinstance(first, CostEstimate)
    assert first.candidates == 2
    assert first.cost > 0
