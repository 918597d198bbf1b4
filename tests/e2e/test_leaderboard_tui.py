"""The input form names, under its models field, the models the writer's selections rank best at each step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.e2e.tui_support import make_app, open_container, screen_text, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.form import InputFormScreen


@pytest.fixture
async def container(isolated_home: Path) -> AsyncIterator[Container]:
    async with open_container() as opened:
        yield opened


async def _select(container: Container, model: str) -> None:
    """A quick-article plan answered by echo and markov, `model`'s candidate selected."""
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Best models"}, ["echo", "markov"])
    await (await service.generate(view.id)).wait()
    plan = (await service.get(view.id)).step("plan")
    await service.select(view.id, "plan", next(c.id for c in plan.candidates if c.model == model))


async def _form_text(container: Container) -> str:
    app = make_app(container, preferences=container.preferences())
    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.press("enter")  # quick-article, the first template listed
        assert isinstance(app.screen, InputFormScreen)
        await wait_for(pilot, lambda: bool(app.screen.query("#best-models")), "the best-models hint")
        hint = app.screen.query_one("#best-models", Static)
        assert "best here" in screen_text(app)
        return str(hint.render())


async def test_the_models_field_names_the_best_model_of_each_ranked_step(container: Container) -> None:
    await _select(container, "markov")
    await _select(container, "markov")
    await _select(container, "echo")
    assert await _form_text(container) == "best here: plan: markov (win 67%, n=3)"


async def test_with_no_selection_yet_the_form_shows_no_hint(container: Container) -> None:
    app = make_app(container, preferences=container.preferences())
    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, InputFormScreen)
        for _ in range(5):
            await pilot.pause()
        assert not app.screen.query("#best-models")
        assert "best here" not in screen_text(app)
