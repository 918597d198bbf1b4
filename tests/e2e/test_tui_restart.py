"""The step view when a retry restarts a streaming candidate: the abandoned text goes, the new one streams alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from dependency_injector import providers

from tests.e2e.tui_support import all_finished, make_app, open_container, panels, screen_text, wait_for
from writeit.application.errors import ModelError
from writeit.application.ports import ChunkCallback, Completion, ModelInfo, ModelRequest
from writeit.application.runner import RetryPolicy
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.step import StepScreen


class BreaksOnce:
    """A model whose first answer streams a few words, then (once `break_it` is set) loses its connection; the
    retry streams "fresh", then waits for `finish` before the rest."""

    def __init__(self) -> None:
        self.break_it = asyncio.Event()
        self.finish = asyncio.Event()
        self.calls = 0

    async def complete(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        self.calls += 1
        if self.calls == 1:
            on_chunk("abandoned words ")
            await self.break_it.wait()
            raise ModelError(request.model_id, "APIConnectionError: connection lost", transient=True)
        on_chunk("fresh")
        await self.finish.wait()
        on_chunk(" answer")
        return Completion(model_id=request.model_id, text="fresh answer")

    def resolve(self, model_id: str) -> str:
        return model_id

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(model_id="breaks-once")]


@pytest.fixture
def model() -> BreaksOnce:
    return BreaksOnce()


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch, model: BreaksOnce) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as opened:
        opened.language_model.override(providers.Object(model))
        opened.retry_policy.override(providers.Object(RetryPolicy(initial_wait=0.01, max_wait=0.02)))
        yield opened


async def test_a_restarted_candidate_drops_its_abandoned_text_while_it_streams_again(
    container: Container, model: BreaksOnce
) -> None:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Restarts"})
    app = make_app(container)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.push_screen(StepScreen(service, view.id, models=["breaks-once"], generate=True))
        await wait_for(pilot, lambda: "abandoned words" in screen_text(app), "the first attempt's words")
        model.break_it.set()
        await wait_for(pilot, lambda: "fresh" in screen_text(app), "the retry's first word")
        [panel] = panels(app)
        assert panel.candidate.status == "pending", "still streaming"
        assert panel.text == "fresh"
        assert "abandoned words" not in screen_text(app)
        model.finish.set()
        await wait_for(pilot, lambda: all_finished(app), "the candidate")
        assert panels(app)[0].text == "fresh answer"
