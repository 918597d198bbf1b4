"""What the TUI judge tests share: a scripted judge model served over the OpenAI-compatible API, a container
whose default model is echo, and the keys that ask the judge from a step view."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer
from tests.e2e.tui_support import open_container, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.judging import JudgeDialog

JUDGE = "srv-judge"


@contextmanager
def judge_model(verdict: str) -> Iterator[OpenAICompatibleServer]:
    """A server whose model `srv-judge` answers every request with `verdict`, registered with llm."""
    with OpenAICompatibleServer({"judge": Behaviour(reply=verdict)}) as running:
        running.register(Path(os.environ["LLM_USER_PATH"]), {JUDGE: "judge"})
        yield running


@asynccontextmanager
async def echo_container(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as opened:
        yield opened


async def ask_judge(pilot: Pilot[Any], criteria: str | None = None) -> None:
    """Press j on the open step view, name the judge (and criteria) in its dialog, and send it."""
    await pilot.press("j")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, JudgeDialog), "the judge dialog")
    pilot.app.screen.query_one("#judge-model", Input).value = JUDGE
    if criteria is not None:
        pilot.app.screen.query_one("#judge-criteria", Input).value = criteria
    await pilot.press("enter")
