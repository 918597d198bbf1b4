"""Snapshots of each TUI screen (echo answers and counted ids keep them reproducible); update: --snapshot-update."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Tabs

from tests.e2e.tui_support import all_finished, make_app, open_container, panels, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.app import WriteItApp
from writeit.entrypoints.tui.screens.step import StepScreen

Snap = Callable[..., bool]

WORKSPACE_TEMPLATE = """\
metadata:
  name: "Team Note"
  description: "A note for the team, in one step"
inputs:
  topic: {type: text, label: "Topic", required: true}
steps:
  note:
    name: "Note"
    prompt_template: "Write a short team note about {{ inputs.topic }}."
"""


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    templates = isolated_home / "workspaces" / "default" / "templates"
    templates.mkdir(parents=True)
    (templates / "team-note.yaml").write_text(WORKSPACE_TEMPLATE)
    async with open_container() as opened:
        yield opened


def still_app(container: Container) -> WriteItApp:
    """The app without animations: a tab's underline gliding to a relabelled tab would be caught mid-way."""
    app = make_app(container)
    app.animation_level = "none"
    return app


async def open_step(pilot: Pilot[Any], container: Container, models: list[str]) -> StepScreen:
    """Start quick-article on `models`, show its first step and wait until every candidate has finished."""
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Snapshots", "audience": "testers"})
    screen = StepScreen(service, view.id, models=models, generate=True)
    await pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: len(panels(pilot.app)) == len(models) and all_finished(pilot.app), "candidates")
    await wait_for(pilot, lambda: underlines_settled(pilot.app), "each tab underline under its tab's final label")
    await pilot.pause()
    return screen


def underlines_settled(app: App[Any]) -> bool:
    """Each tab bar's underline spans its active tab as that tab now reads. Textual moves it a refresh after a
    relabel (a tab's "⠋ 12 tokens" becoming "✓"): a snapshot taken sooner, as under load, caught the old width.
    Once in 30 runs it never moved (a stale underline a writer would see): an app bug this wait names, not hides."""
    for tabs in app.screen.query(Tabs):
        active = tabs.active_tab
        if active is None:
            continue
        underline: Any = tabs.query_one("Underline")
        span = active.virtual_region.shrink(active.styles.gutter).column_span
        if (underline.highlight_start, underline.highlight_end) != span:
            return False
    return True


def test_the_template_picker_lists_workspace_templates_first(snap_compare: Snap, container: Container) -> None:
    assert snap_compare(still_app(container), terminal_size=(110, 20))


def test_the_input_form_shows_a_missing_field_under_it(snap_compare: Snap, container: Container) -> None:
    async def submit_empty(pilot: Pilot[Any]) -> None:
        await pilot.press("down", "enter", "enter")  # quick-article (below the workspace template), submit empty
        await wait_for(pilot, lambda: "-shown" in str(pilot.app.screen.query(".field-error.-shown")), "the error")

    assert snap_compare(still_app(container), terminal_size=(100, 30), run_before=submit_empty)


def test_the_step_view_puts_candidates_side_by_side(snap_compare: Snap, container: Container) -> None:
    async def generate(pilot: Pilot[Any]) -> None:
        await open_step(pilot, container, ["echo", "echo"])
        await pilot.press("1")

    assert snap_compare(still_app(container), terminal_size=(130, 30), run_before=generate)


def test_the_step_view_uses_tabs_in_a_narrow_terminal(snap_compare: Snap, container: Container) -> None:
    async def generate(pilot: Pilot[Any]) -> None:
        await open_step(pilot, container, ["echo", "echo"])

    assert snap_compare(still_app(container), terminal_size=(70, 24), run_before=generate)


def test_the_branch_tree_shows_forks_under_their_parent(snap_compare: Snap, container: Container) -> None:
    async def fork(pilot: Pilot[Any]) -> None:
        screen = await open_step(pilot, container, ["echo"])
        await pilot.press("1", "b", "k", "enter")
        await wait_for(pilot, lambda: screen.view is not None and screen.view.branch == "branch-2", "the fork")
        await pilot.press("b")
        await pilot.pause()

    assert snap_compare(still_app(container), terminal_size=(100, 20), run_before=fork)


def test_the_diff_view_compares_a_candidate_with_its_edit(snap_compare: Snap, container: Container) -> None:
    async def edit_and_diff(pilot: Pilot[Any]) -> None:
        screen = await open_step(pilot, container, ["echo"])
        original = panels(pilot.app)[0].candidate
        edited = original.text.replace("Snapshots", "Snapshot tests").replace('"system": ""', '"system": "terse"')
        view = await container.pipelines().edit(screen.pipeline_id, "plan", original.id, edited)
        await screen.show_view(view)
        await pilot.press("d")
        await pilot.pause()

    assert snap_compare(still_app(container), terminal_size=(100, 24), run_before=edit_and_diff)


def test_at_80_by_24_the_step_view_shows_the_steps_state_its_keys_and_the_marks(
    snap_compare: Snap, container: Container
) -> None:
    async def mark(pilot: Pilot[Any]) -> None:
        await open_step(pilot, container, ["echo", "echo", "echo"])
        await pilot.press("1", "space")
        await pilot.pause()

    assert snap_compare(still_app(container), terminal_size=(80, 24), run_before=mark)


def test_with_three_candidates_side_by_side_the_marks_stay_in_view(snap_compare: Snap, container: Container) -> None:
    async def mark(pilot: Pilot[Any]) -> None:
        await open_step(pilot, container, ["echo", "echo", "echo"])
        await pilot.press("1", "right", "right", "space")
        await pilot.pause()

    assert snap_compare(still_app(container), terminal_size=(110, 24), run_before=mark)
