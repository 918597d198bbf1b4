"""Helpers for the TUI tests: a real container (LMDB in tmp, llm echo/markov) with predictable ids, and waits."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from writeit.entrypoints.container import Container, opened
from writeit.entrypoints.tui.app import ApiServer, WriteItApp
from writeit.entrypoints.tui.screens.step import StepScreen
from writeit.entrypoints.tui.widgets.candidate import CandidatePanel


@asynccontextmanager
async def open_container(container: Container | None = None, *, counted_ids: bool = True) -> AsyncIterator[Container]:
    """The production container opened as every entrypoint opens it; ids count up (p0001...) so screens are
    reproducible."""
    container = container or Container()
    if counted_ids:
        counter = itertools.count(1)

        def new_id() -> str:
            return f"{next(counter):04d}{'0' * 28}"

        container.generator.add_kwargs(new_id=new_id)
        container.pipelines.add_kwargs(new_id=new_id)
    async with opened(container):
        yield container


def make_app(container: Container, server: ApiServer | None = None, **kwargs: Any) -> WriteItApp:
    return WriteItApp(container.pipelines(), container.templates(), server, **kwargs)


async def open_step(app: WriteItApp, container: Container, models: list[str]) -> StepScreen:
    """A quick-article pipeline started and its first step shown, generating one candidate per model of `models`."""
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Keys"})
    screen = StepScreen(service, view.id, models=models, generate=True)
    await app.push_screen(screen)
    return screen


def screen_lines(app: App[Any]) -> list[str]:
    """What the terminal shows now, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[Any]) -> str:
    return "\n".join(screen_lines(app))


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object], what: str, seconds: float = 30) -> None:
    """Let the app run until `condition()` holds; fail naming `what` (and showing the screen) after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


def notified(app: WriteItApp) -> str:
    """Every notification shown so far (toasts are drawn on a layer the screen's lines above leave out)."""
    return "\n".join(n.message for n in app._notifications)


def panels(app: App[Any]) -> list[CandidatePanel]:
    return list(app.screen.query(CandidatePanel).results(CandidatePanel))


def all_finished(app: App[Any]) -> bool:
    """Every candidate shown has finished, and its text is shown as Markdown."""
    shown = panels(app)
    return bool(shown) and all(p.candidate.status != "pending" and not p.awaits_markdown for p in shown)
