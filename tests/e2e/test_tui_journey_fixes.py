"""What a new user found rough in the TUI: exports, edits and merges, rounds, help, forks, progress."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, Select, TextArea

from tests.e2e.tui_support import all_finished, make_app, open_container, open_step, panels, screen_text, wait_for
from writeit.application.export_formats import Format
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.step import StepScreen


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as opened:
        yield opened


@pytest.mark.parametrize(("fmt", "suffix"), [("yaml", ".yaml"), ("jsonl", ".jsonl"), ("json", ".json")])
async def test_the_export_dialog_writes_every_format_the_cli_writes(
    container: Container, tmp_path: Path, fmt: Format, suffix: str
) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        await pilot.press("1", "s")
        app.screen.query_one("#path", Input).value = str(tmp_path / "history.md")
        app.screen.query_one("#format", Select).value = fmt
        await pilot.pause()
        path = Path(app.screen.query_one("#path", Input).value)
        assert path == tmp_path / f"history{suffix}"
        app.screen.query_one("#path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, path.exists, "the exported file")
        expected = await container.pipelines().export(screen.pipeline_id, fmt)
    assert path.read_text() == expected  # noqa: ASYNC240 (the app has stopped)


async def test_an_edit_shows_as_the_writers_edit_of_its_candidate_without_token_counts(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_step(app, container, ["echo", "echo"])
        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
        await pilot.press("right")  # focus candidate 2
        await pilot.press("e")
        app.screen.query_one(TextArea).text = "My own plan."
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(panels(app)) == 3 and all_finished(app), "the edit")
        title = str(panels(app)[2]._title())
    assert "your edit of candidate 2" in title
    assert "0→0" not in title
    assert "echo" not in title


async def generated_twice_after_going_stale(container: Container) -> str:
    """quick-article with plan and write selected, then plan's other candidate selected (write goes stale) and
    write generated again: write has an earlier round (with the selection) and a current one."""
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Rounds"}, ["echo", "markov"])
    for key in ("plan", "write"):
        await (await service.generate(view.id, key)).wait()
        view = await service.select(view.id, key, (await service.get(view.id)).step(key).candidates[0].id)
    plan = (await service.get(view.id)).step("plan")
    await service.select(view.id, "plan", plan.candidates[1].id)
    await (await service.generate(view.id, "write")).wait()
    return view.id


async def test_after_regenerating_a_stale_step_key_1_selects_the_current_rounds_first_candidate(
    container: Container,
) -> None:
    pipeline_id = await generated_twice_after_going_stale(container)
    service = container.pipelines()
    write = (await service.get(pipeline_id)).step("write")
    old, new = write.candidates[:2], write.candidates[2:]
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = StepScreen(service, pipeline_id)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.step_key == "write" and len(panels(app)) == 3, "the write step")
        shown = panels(app)
        assert [p.candidate.id for p in shown] == [new[0].id, new[1].id, write.selected]
        assert [p.number for p in shown] == [1, 2, 3]
        assert "round 1 (earlier)" in str(shown[2]._title())
        assert "earlier" not in str(shown[0]._title())
        await pilot.press("1")
        await wait_for(pilot, lambda: panels(app)[0].selected, "the selection")
    assert (await service.get(pipeline_id)).step("write").selected == new[0].id
    assert write.selected == old[0].id


async def test_a_fork_asks_for_the_branch_name_offering_one_and_shows_why_a_name_is_refused(
    container: Container,
) -> None:
    app = make_app(container)
    service = container.pipelines()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        await pilot.press("1", "b", "k")
        await wait_for(pilot, lambda: bool(app.screen.query("#branch-name")), "the branch name dialog")
        name = app.screen.query_one("#branch-name", Input)
        assert name.value == "branch-2"
        for refused, why in (("main", "already exists"), ("no spaces", "not a valid branch name")):
            name.value = refused
            await pilot.press("enter")
            await wait_for(pilot, partial(_shows, app, why), f"the reason {why!r}")
            assert [b.name for b in (await service.get(screen.pipeline_id)).branches] == ["main"]
        name.value = "second-try"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.view is not None and screen.view.branch == "second-try", "the fork")
    assert [b.name for b in (await service.get(screen.pipeline_id)).branches] == ["main", "second-try"]


async def test_the_help_shows_the_question_mark_key_as_it_is_typed(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: "Keys — step view" in screen_text(app), "the help")
        text = screen_text(app)
    assert "question_mark" not in text
    assert "?  Help" in text


async def test_in_tabs_every_streaming_candidate_shows_its_progress_in_its_tab(container: Container) -> None:
    from textual.widgets import Tab

    def tabs() -> list[str]:
        return [tab.label_text for tab in app.screen.query(Tab).results(Tab) if tab.id and "pane-" in tab.id]

    app = make_app(container)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_step(app, container, ["markov", "markov"])
        await wait_for(pilot, lambda: len(tabs()) == 2 and all(p.text for p in panels(app)), "both streaming")
        await wait_for(pilot, lambda: all(" tok" in label and "~0 tok" not in label for label in tabs()), "progress")
        await wait_for(pilot, lambda: all_finished(app), "the round")
        await wait_for(pilot, lambda: all(label.endswith("✓") for label in tabs()), "the tabs done")
        assert tabs() == ["1 markov ✓", "2 markov ✓"]


def _shows(app: App[Any], text: str) -> bool:
    return text in screen_text(app)
