"""Commands are frozen requests run through one handler each, in one unit of work that leaves nothing behind
when it refuses."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.generation_world import generation_world
from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script
from writeit.application.budget import Budget, BudgetExceededError
from writeit.application.commands import Edit, Generate, GiveFeedback, Select
from writeit.application.errors import VersionConflictError
from writeit.application.usage import Price, PriceTable
from writeit.domain.errors import BranchMovedError, InvalidCommandError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_a_command_is_frozen_and_carries_the_pipeline_version_and_branch_once() -> None:
    command = Select(pipeline_id="p", expected_version=3, branch="main", step="s", candidate_id="c")
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.step = "other"  # type: ignore[misc]
    assert (command.pipeline_id, command.expected_version, command.branch) == ("p", 3, "main")


async def test_the_api_tui_and_cli_commands_run_through_handle(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    generation = await w.service.handle(Generate(pipeline_id=view.id, expected_version=view.version))
    await generation.wait()
    chosen = generation.candidate_ids[0]
    after = await w.service.handle(Select(pipeline_id=view.id, step="angles", candidate_id=chosen))
    assert after.steps[0].selected == chosen


async def test_an_edit_without_a_candidate_rewrites_the_steps_selection(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    generation = await w.service.generate(view.id)
    await generation.wait()
    await w.service.select(view.id, "angles", generation.candidate_ids[1])
    edited = await w.service.handle(Edit(pipeline_id=view.id, step="angles", text="mine"))
    step = edited.steps[0]
    assert step.selected_candidate is not None
    assert (step.selected_candidate.text, step.selected_candidate.edit_of) == ("mine", generation.candidate_ids[1])


async def test_an_edit_without_a_candidate_nor_a_selection_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    with pytest.raises(InvalidCommandError, match="step 'angles' has no selection to edit"):
        await w.service.handle(Edit(pipeline_id=view.id, step="angles", text="mine"))
    assert await w.store.version(view.id) == view.version


async def test_a_refused_command_leaves_the_stored_and_the_cached_pipeline_as_they_were(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    with pytest.raises(VersionConflictError):
        await w.service.handle(GiveFeedback(pipeline_id=view.id, expected_version=99, step="angles", text="more"))
    await w.service.fork(view.id, "angles")
    with pytest.raises(BranchMovedError):
        await w.service.handle(GiveFeedback(pipeline_id=view.id, branch="main", step="angles", text="more"))
    shown = await w.service.get(view.id)
    assert shown.version == await w.store.version(view.id)
    assert all(not s.feedback for s in shown.steps)


async def test_planning_a_round_the_budget_refuses_changes_nothing_on_the_aggregate(tmp_path: Path) -> None:
    prices = PriceTable({"paid": Price(input=1000.0, output=2000.0)})
    w = generation_world(
        tmp_path, {"paid": Script(chunks=("words",))}, prices=prices, budget=Budget(limit=0.1, output_guess=100)
    )
    view = await w.service.start("three", {"topic": "LMDB"})
    pipeline = await w.service.context.uow.read(view.id)
    template = w.service.template_of(pipeline, strict=True)
    with pytest.raises(BudgetExceededError):
        w.generator.plan(pipeline, template, None, "shorter please", ["paid"], None, NOW)
    assert (pipeline.version, pipeline.pending) == (view.version, [])
    assert not pipeline.step_state("angles").feedback
