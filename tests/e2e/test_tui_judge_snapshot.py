"""A snapshot of the judge's table below a step's candidates (echo candidates, counted ids, a scripted judge);
update: --snapshot-update."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.e2e.judge_support import ask_judge, echo_container, judge_model
from tests.e2e.openai_server import OpenAICompatibleServer
from tests.e2e.tui_support import all_finished, make_app, panels, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.step import StepScreen
from writeit.entrypoints.tui.widgets.judge_table import JudgeTable

Snap = Callable[..., bool]
VERDICT = json.dumps({
    "scores": [
        {"draft": 1, "criterion": "clarity", "score": 8, "reason": "Each section says one thing."},
        {"draft": 2, "criterion": "clarity", "score": 5, "reason": "The ending wanders."},
        {"draft": 1, "criterion": "accuracy", "score": 7, "reason": "No claim goes unsupported."},
        {"draft": 2, "criterion": "accuracy", "score": 7, "reason": "Sound, if thin."},
        {"draft": 1, "criterion": "fit to the brief", "score": 9, "reason": "Right length and readers."},
    ]
})  # fmt: skip


@pytest.fixture
def judge(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    with judge_model(VERDICT) as running:
        yield running


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch, judge: OpenAICompatibleServer) -> AsyncIterator[Container]:
    async with echo_container(monkeypatch) as opened:
        yield opened


def test_the_judge_table_sits_below_the_candidates_with_a_reason_per_score(
    snap_compare: Snap, container: Container
) -> None:
    async def judged(pilot: Pilot[Any]) -> None:
        service = container.pipelines()
        view = await service.start("quick-article", {"topic": "Snapshots", "audience": "testers"})
        await pilot.app.push_screen(StepScreen(service, view.id, models=["echo", "echo"], generate=True))
        await wait_for(pilot, lambda: len(panels(pilot.app)) == 2 and all_finished(pilot.app), "candidates")
        await ask_judge(pilot)
        await wait_for(pilot, lambda: pilot.app.screen.query_one(JudgeTable).has_class("-shown"), "the table")
        pilot.app.clear_notifications()
        await pilot.pause()

    app = make_app(container)
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=(130, 40), run_before=judged)
