"""The step view's other keys (edit, merge, regenerate one, help, palette) and how it shows what it cannot do."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dependency_injector import providers
from textual.widgets import TextArea

from tests.e2e.tui_support import (
    all_finished,
    make_app,
    notified,
    open_container,
    open_step,
    panels,
    screen_text,
    wait_for,
)
from writeit.application.views import PipelineView
from writeit.entrypoints.container import Container


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as opened:
        yield opened


@pytest.fixture
async def unfollowed(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    """A container whose log follower has not polled yet: another process's events have not reached it."""
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    container = Container()
    container.live.override(providers.Object(None))
    async with open_container(container) as opened:
        yield opened


async def test_an_edit_is_kept_as_a_new_selected_candidate(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        await pilot.press("e")
        editor = app.screen.query_one(TextArea)
        editor.text = "My own plan."
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(panels(app)) == 2, "the edited candidate")
        step = (await container.pipelines().get(screen.pipeline_id)).step("plan")
        assert step.candidates[1].origin == "edited"
        assert step.selected == step.candidates[1].id
        assert step.candidates[1].text == "My own plan."
        assert "your edit of candidate 1" in screen_text(app)
        assert "★ selected" in screen_text(app)


async def test_marked_candidates_merge_by_model_and_by_hand(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_step(app, container, ["echo", "echo"])
        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
        await pilot.press("left", "space", "right", "space", "m", "enter")  # mark 1 and 2, ask the default model
        await wait_for(pilot, lambda: len(panels(app)) == 3 and all_finished(app), "the model's merge")
        service = container.pipelines()
        merged = (await service.get(screen.pipeline_id)).step("plan")
        assert merged.candidates[2].origin == "merged"
        assert merged.selected == merged.candidates[2].id
        assert merged.candidates[2].sources == (merged.candidates[0].id, merged.candidates[1].id)

        await pilot.press("left", "left", "space", "right", "space", "m", "ctrl+e")  # 1 and 2 again, by hand
        app.screen.query_one(TextArea).text = "The best of both."
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(panels(app)) == 4, "the hand merge")
        by_hand = (await service.get(screen.pipeline_id)).step("plan").candidates[3]
        assert by_hand.text == "The best of both."
        assert by_hand.model == "writer"


async def test_regenerating_one_candidate_shows_it_beside_its_siblings(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_step(app, container, ["echo", "echo"])
        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
        await pilot.press("right", "r")
        await wait_for(pilot, lambda: len(panels(app)) == 3 and all_finished(app), "the regenerated one")
        step = (await container.pipelines().get(screen.pipeline_id)).step("plan")
        assert [c.generation for c in step.candidates] == [1, 1, 2]
        await pilot.press("g")  # a whole new round replaces the view of the earlier ones
        await wait_for(pilot, lambda: all_finished(app) and panels(app)[0].candidate.generation == 3, "round 3")
        assert len(panels(app)) == 2
        await pilot.press("h")  # ...which stay one key away
        await wait_for(pilot, lambda: len(panels(app)) == 5, "every round")


async def test_a_refused_command_is_a_notification_and_the_app_goes_on(container: Container) -> None:
    service = container.pipelines()
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["markov"])
        await wait_for(pilot, lambda: bool(panels(app)) and bool(panels(app)[0].text), "streaming")
        await pilot.press("x")
        await wait_for(pilot, lambda: all_finished(app), "the cancellation")
        await pilot.press("1")
        await wait_for(pilot, lambda: "only a completed candidate can be selected" in notified(app), "the error")
        assert (await service.get(screen.pipeline_id)).step("plan").selected is None
        await pilot.press("n")
        await wait_for(pilot, lambda: "Select a candidate first" in notified(app), "the warning")
        assert app.is_running
        assert app.screen is screen


async def test_help_and_the_command_palette_offer_the_step_actions(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: "Keys — step view" in screen_text(app), "the help")
        assert "Feedback" in screen_text(app)
        assert "Branches" in screen_text(app)
        await pilot.press("escape", "ctrl+p")
        await pilot.press(*"feedback")
        await wait_for(pilot, lambda: "Feedback and regenerate" in screen_text(app), "the palette entry")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Feedback for the next round" in screen_text(app), "the feedback dialog")


async def test_quitting_while_candidates_stream_keeps_them_as_cancelled(container: Container) -> None:
    service = container.pipelines()
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["markov", "markov"])
        await wait_for(pilot, lambda: len(panels(app)) == 2 and all(p.text for p in panels(app)), "streaming")
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    candidates = (await service.get(screen.pipeline_id)).step("plan").candidates
    assert [c.status for c in candidates] == ["cancelled", "cancelled"]
    assert all(c.text for c in candidates)


async def test_a_failed_candidate_is_marked_with_its_error_beside_the_others(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_step(app, container, ["echo", "gpt-4o-mini"])  # no OpenAI key in the tests: it must fail
        await wait_for(pilot, lambda: len(panels(app)) == 2 and all_finished(app), "both outcomes")
        assert [p.candidate.status for p in panels(app)] == ["completed", "failed"]
        assert "✗ failed" in screen_text(app)
        assert "needs an API key" in screen_text(app)
        assert panels(app)[1].has_class("-failed")


_SWITCH_ELSEWHERE = """
import asyncio, sys
from writeit.entrypoints.cli.common import open_container

async def main():
    async with open_container() as container:
        await container.pipelines().fork(sys.argv[1], "plan", "elsewhere")  # a fork switches to it

asyncio.run(main())
"""


async def test_a_key_pressed_after_another_process_switched_branch_changes_nothing_and_shows_the_branch(
    unfollowed: Container,
) -> None:
    container = unfollowed
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        assert screen.branch == "main"
        # Another process (a script on the API, `writeit serve`...) forks: its event never reaches this TUI's hub.
        other = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _SWITCH_ELSEWHERE, screen.pipeline_id, stderr=asyncio.subprocess.PIPE
        )
        _, errors = await other.communicate()
        assert other.returncode == 0, errors.decode()
        await pilot.press("1")
        await wait_for(pilot, lambda: "on branch 'elsewhere' now, not 'main'" in notified(app), "the refusal")
        await wait_for(pilot, lambda: "branch elsewhere" in screen_text(app), "the branch it is on now")
        service = container.pipelines()
        assert (await service.get(screen.pipeline_id, "main")).step("plan").selected is None
        assert (await service.get(screen.pipeline_id, "elsewhere")).step("plan").selected is None
        await pilot.press("1")  # now meant for the branch on screen
        await wait_for(pilot, lambda: "★ selected" in screen_text(app), "the selection")
        assert (await service.get(screen.pipeline_id, "elsewhere")).step("plan").selected is not None


async def test_a_round_of_priced_models_is_announced_with_its_estimated_cost(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_home / "prices.yaml").write_text("echo: {input: 3.0, output: 15.0}\n", encoding="utf-8")
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as priced:
        app = make_app(priced)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_step(app, priced, ["echo", "echo"])
            await wait_for(pilot, lambda: "estimated" in notified(app), "the estimate")
            assert re.search(r"2 candidate\(s\), about \$0\.0\d+ \(estimated: \d+ tokens in, 1600 out\)", notified(app))


async def test_an_edit_refused_because_the_branch_moved_keeps_the_text_on_the_clipboard(unfollowed: Container) -> None:
    container = unfollowed
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        other = await asyncio.create_subprocess_exec(sys.executable, "-c", _SWITCH_ELSEWHERE, screen.pipeline_id)
        assert await other.wait() == 0
        await pilot.press("e")
        app.screen.query_one(TextArea).text = "An hour of careful rewriting."
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "was not saved; its text is on the clipboard" in notified(app), "the warning")
        assert app.clipboard == "An hour of careful rewriting."
        plan = (await container.pipelines().get(screen.pipeline_id, "main")).step("plan")
        assert [c.origin for c in plan.candidates] == ["generated"]


async def test_a_selection_by_key_is_read_and_drawn_once(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_step(app, container, ["echo", "echo"])
        await wait_for(pilot, lambda: all_finished(app), "the candidates")
        await pilot.pause(0.3)  # the round's last events are in
        service = container.pipelines()
        reads: list[str] = []
        drawn: list[int] = []
        real_get, real_show = service.get, screen.show_view

        async def counted_get(pipeline_id: str, branch: str | None = None) -> object:
            reads.append(pipeline_id)
            return await real_get(pipeline_id, branch)

        async def counted_show(view: PipelineView, step: str | None = None) -> None:
            drawn.append(1)
            await real_show(view, step)

        monkeypatch.setattr(service, "get", counted_get)
        monkeypatch.setattr(screen, "show_view", counted_show)
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.view is not None and screen.view.step("plan").selected, "the selection")
        await pilot.pause(0.5)  # the selection's events reach the screen meanwhile
        assert (reads, len(drawn)) == ([], 1)
