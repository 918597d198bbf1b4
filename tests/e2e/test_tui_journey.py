"""The whole writing journey in the TUI, by keyboard, on the real store and the real echo/markov models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.e2e.tui_support import all_finished, make_app, open_container, panels, screen_text, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.step import StepScreen


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as opened:
        yield opened


def step_screen(app: object) -> StepScreen:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, StepScreen), f"expected the step view, got {screen!r}"
    return screen


async def test_the_whole_journey_from_template_to_export(container: Container, tmp_path: Path) -> None:
    app = make_app(container)
    service = container.pipelines()
    async with app.run_test(size=(120, 40)) as pilot:
        assert "quick-article" in screen_text(app)
        assert "builtin" in screen_text(app)
        await pilot.press("enter")  # the first template: quick-article
        await pilot.press(*"Cats and keyboards")
        await pilot.click("#input-models")
        await pilot.press(*"echo markov", "enter")

        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "step 1's two candidates")
        assert "step 1 of 3: Plan" in screen_text(app)
        assert [p.candidate.model for p in panels(app)] == ["echo", "markov"]
        pipeline_id = step_screen(app).pipeline_id
        assert (await service.get(pipeline_id)).models == ("echo", "markov")  # recorded: a later session uses them

        await pilot.press("1")
        plan = (await service.get(pipeline_id)).step("plan")
        assert plan.selected == plan.candidates[0].id
        assert "★ selected" in screen_text(app)

        await pilot.press("n")
        await wait_for(pilot, lambda: all_finished(app) and step_screen(app).step_key == "write", "step 2")
        await pilot.press("2")
        assert (await service.get(pipeline_id)).step("write").selected == panels(app)[1].candidate.id

        await pilot.press("f")
        await pilot.press(*"shorter please", "enter")
        await wait_for(pilot, lambda: len(panels(app)) == 3 and all_finished(app), "the regenerated round")
        write = (await service.get(pipeline_id)).step("write")
        assert write.feedback == ("shorter please",)
        assert write.generation == 2
        assert "feedback: shorter please" in screen_text(app)

        await pilot.press("b", "k", "enter")  # fork a branch at step 2, under the name offered
        await wait_for(pilot, lambda: "branch branch-2" in screen_text(app), "the new branch")
        forked = await service.get(pipeline_id)
        assert [b.name for b in forked.branches] == ["main", "branch-2"]
        assert forked.branch == "branch-2"
        assert forked.current_step == "write"
        assert forked.step("plan").selected == plan.selected
        assert forked.step("write").selected is None
        assert "step 2 of 3: Write" in screen_text(app)

        await pilot.press("b", "up", "enter")  # the tree opens on the current branch; main is above it
        await wait_for(pilot, lambda: "branch main" in screen_text(app), "the switch back to main")
        back = await service.get(pipeline_id)
        assert back.branch == "main"
        assert back.step("write").selected == write.selected

        target = tmp_path / "out" / "cats.md"
        await pilot.press("s")
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists, "the exported file")
    exported = target.read_text()
    assert exported.startswith("---\n")
    assert 'template: "Quick Article"' in exported
    assert 'branch: "main"' in exported


async def test_a_missing_required_input_is_shown_under_its_field_and_nothing_starts(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "enter")  # open quick-article's form, submit it empty
        await wait_for(pilot, lambda: "'Topic' is required" in screen_text(app), "the validation message")
        assert app.screen.query_one("#input-topic").has_focus
        assert await container.pipelines().summaries() == []


async def test_an_unknown_model_is_refused_under_the_models_field(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", *"Cats")
        await pilot.click("#input-models")
        await pilot.press(*"no-such-model", "enter")
        await wait_for(pilot, lambda: "no-such-model" in screen_text(app), "the model's error")
        assert "unknown model" in screen_text(app)
        assert await container.pipelines().summaries() == []


async def test_a_streaming_candidate_shows_its_text_and_can_be_cancelled(container: Container) -> None:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Streams"})
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(StepScreen(service, view.id, models=["markov"], generate=True))
        await wait_for(pilot, lambda: bool(panels(app)) and panels(app)[0].text, "streamed text")
        assert panels(app)[0].candidate.status == "pending"
        assert "streaming" in screen_text(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: all_finished(app), "the cancellation")
        assert "⊘ cancelled" in screen_text(app)
    stored = (await service.get(view.id)).step("plan").candidates[0]
    assert stored.status == "cancelled"
    assert stored.text


async def test_changing_an_earlier_selection_marks_the_later_step_stale(container: Container) -> None:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Stale"})
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(StepScreen(service, view.id, models=["echo", "echo"], generate=True))
        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "step 1")
        await pilot.press("1", "n")
        await wait_for(pilot, lambda: all_finished(app) and step_screen(app).step_key == "write", "step 2")
        await pilot.press("1", "p", "2", "n")
        await wait_for(pilot, lambda: "STALE" in screen_text(app), "the stale mark")
        assert (await service.get(view.id)).step("write").stale
        await pilot.press("a")
        await wait_for(pilot, lambda: "STALE" not in screen_text(app), "the stale step kept")


async def test_reopening_a_pipeline_continues_on_its_branch_at_its_step(container: Container) -> None:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Resume"})
    await (await service.generate(view.id, models=["echo"])).wait()
    await service.select(view.id, "plan", (await service.get(view.id)).step("plan").candidates[0].id)
    await service.fork(view.id, "plan", "alt")
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        await wait_for(pilot, lambda: "Resume" in screen_text(app), "the saved pipeline")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "branch alt" in screen_text(app), "the pipeline on its branch")
        assert "step 1 of 3: Plan" in screen_text(app)
