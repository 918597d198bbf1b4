"""The TUI's guided merge (a checklist of points to tick and order) and tracked changes, through Pilot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer
from tests.e2e.tui_support import all_finished, make_app, open_container, panels, screen_text, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.app import WriteItApp
from writeit.entrypoints.tui.screens.merging import ChangesScreen, PointsChecklist
from writeit.entrypoints.tui.screens.step import StepScreen

POINTS = "1. Events are immutable [1]\n2. Replays rebuild state [1, 2]\n3. Snapshots are fast [2]"


@pytest.fixture
def models(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    behaviours = {"points": Behaviour(reply=POINTS), "writer": Behaviour(reply="Written from the points.")}
    with OpenAICompatibleServer(behaviours) as running:
        running.register(Path(os.environ["LLM_USER_PATH"]), {"srv-points": "points", "srv-writer": "writer"})
        yield running


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch, models: OpenAICompatibleServer) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as opened:
        yield opened


async def open_step(app: WriteItApp, container: Container, models: list[str]) -> StepScreen:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Merges"})
    screen = StepScreen(service, view.id, models=models, generate=True)
    await app.push_screen(screen)
    return screen


async def test_a_guided_merge_ticks_and_orders_points_in_a_checklist(
    container: Container, models: OpenAICompatibleServer
) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_step(app, container, ["echo", "echo"])
        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
        await pilot.press("left", "space", "right", "space", "m")
        app.screen.query_one("#model", Input).value = "srv-points"
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsChecklist), "the checklist of points")
        assert "[x] p2 Replays rebuild state  (from candidate 1, candidate 2)" in screen_text(app)
        await pilot.press("space", "down", "down", "shift+up")  # untick p1; move p3 above p2
        checklist = app.screen
        assert isinstance(checklist, PointsChecklist)
        assert [p.id for p in checklist.points] == ["p1", "p3", "p2"]
        assert "[ ] p1" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(panels(app)) == 3 and all_finished(app), "the guided merge")
        merged = (await container.pipelines().get(screen.pipeline_id)).step("plan").selected_candidate
        assert merged is not None
        assert merged.points == ("p3", "p2")
        prompt = models.bodies[-1]["messages"][-1]["content"]
        assert prompt.index("Snapshots are fast") < prompt.index("Replays rebuild state")
        assert "Events are immutable" not in prompt
        assert models.requests["points"] == 2, "the dialog's model made one extraction and one merge call"


async def test_the_merge_dialog_offers_the_recipes(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_step(app, container, ["echo", "echo"])
        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
        await pilot.press("left", "space", "right", "space", "m")
        app.screen.query_one("#recipe", Select).value = "tighten"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(panels(app)) == 3 and all_finished(app), "the merge")
        merged = (await container.pipelines().get(screen.pipeline_id)).step("plan").selected_candidate
        assert merged is not None
        assert merged.recipe == "tighten"


async def test_tracked_changes_are_accepted_or_rejected_one_by_one_and_applied_as_an_edit(
    container: Container,
) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        service = container.pipelines()
        first = (await service.get(screen.pipeline_id)).step("plan").candidates[0].id
        base = await service.edit(screen.pipeline_id, "plan", first, "The store keeps every event.")
        base_id = base.step("plan").selected
        assert base_id is not None
        await service.edit(screen.pipeline_id, "plan", base_id, "The log keeps each event forever.")
        await screen.reload()
        await wait_for(pilot, lambda: len(panels(app)) == 3, "the revision")
        revision = next(panel for panel in panels(app) if panel.number == 3)
        revision.focus()  # the keys act on the focused candidate (moving there by keys is tested elsewhere)
        await wait_for(pilot, lambda: screen.focused_panel() is revision, "the revision focused")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangesScreen), "the changes")
        assert "store → log" in screen_text(app)
        await pilot.press("r", "a")  # reject the first change, accept the second
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(panels(app)) == 4, "the edit made of the decisions")
        result = (await service.get(screen.pipeline_id)).step("plan").selected_candidate
        assert result is not None
        assert result.text == "The store keeps each event forever."
        assert [c["accepted"] for c in result.changes] == [False, True]
