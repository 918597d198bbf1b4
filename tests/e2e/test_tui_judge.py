"""The TUI's judge (j on the step view): a judge model scores the candidates; its table shows beside them, with a
reason per score, stays when the step is opened again, and selects nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.judge_support import ask_judge, echo_container, judge_model
from tests.e2e.openai_server import OpenAICompatibleServer
from tests.e2e.tui_support import all_finished, make_app, open_step, panels, screen_text, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.editor import HelpScreen
from writeit.entrypoints.tui.screens.judging import JudgeDialog
from writeit.entrypoints.tui.screens.step import StepScreen
from writeit.entrypoints.tui.widgets.judge_table import JudgeTable

VERDICT = json.dumps({
    "scores": [
        {"draft": 1, "criterion": "tone", "score": 8, "reason": "Warm and direct."},
        {"draft": 2, "criterion": "tone", "score": 4, "reason": "Stiff in places."},
        {"draft": 1, "criterion": "brevity", "score": 6, "reason": "One paragraph too long."},
        {"draft": 2, "criterion": "brevity", "score": 9, "reason": "Nothing to cut."},
    ]
})  # fmt: skip


@pytest.fixture
def models(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    with judge_model(VERDICT) as running:
        yield running


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch, models: OpenAICompatibleServer) -> AsyncIterator[Container]:
    async with echo_container(monkeypatch) as opened:
        yield opened


def table_shown(app: object) -> bool:
    tables = list(app.screen.query(JudgeTable))  # type: ignore[attr-defined]
    return bool(tables) and tables[0].has_class("-shown")


async def test_j_asks_the_judge_and_shows_its_scores_and_reasons_beside_the_candidates(
    container: Container, models: OpenAICompatibleServer
) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 44)) as pilot:
        screen = await open_step(app, container, ["echo", "echo"])
        await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
        assert not table_shown(app), "no table before any judgement"
        await ask_judge(pilot, "tone, brevity")
        await wait_for(pilot, lambda: table_shown(app) and "Nothing to cut." in screen_text(app), "the judge table")
        text = screen_text(app)
        for shown in ("Judged by srv-judge", "tone", "brevity", "8  Warm and direct.", "4  Stiff in places."):
            assert shown in text
        assert models.requests["judge"] == 1
        assert "Criteria: tone, brevity" in models.bodies[-1]["messages"][-1]["content"]
        view = await container.pipelines().get(screen.pipeline_id)
        assert view.step("plan").selected is None, "the judge never selects"
        judgement = view.step("plan").judgement
        assert judgement is not None
        assert [s["score"] for s in judgement.scores] == [8, 4, 6, 9]

        await app.push_screen(StepScreen(container.pipelines(), screen.pipeline_id))  # the step opened again
        await wait_for(pilot, lambda: table_shown(app) and "Warm and direct." in screen_text(app), "the kept table")


async def test_j_on_a_step_without_text_says_so_and_asks_nothing(
    container: Container, models: OpenAICompatibleServer
) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 44)) as pilot:
        view = await container.pipelines().start("quick-article", {"topic": "Keys"})
        await app.push_screen(StepScreen(container.pipelines(), view.id))
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        assert not isinstance(app.screen, JudgeDialog)
        assert "no candidate with text to judge" in "\n".join(n.message for n in app._notifications)
        assert models.requests.get("judge", 0) == 0


async def test_the_help_screen_lists_the_judge_key(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(140, 44)) as pilot:
        view = await container.pipelines().start("quick-article", {"topic": "Keys"})
        await app.push_screen(StepScreen(container.pipelines(), view.id))
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        assert "Judge" in screen_text(app)
