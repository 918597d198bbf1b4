"""What a new user found rough in the TUI: exports, edits and merges, rounds, help, forks, progress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from tests.e2e.tui_support import all_finished, make_app, open_container, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.formats import export_text
from writeit.entrypoints.tui.app import WriteItApp
from writeit.entrypoints.tui.screens.step import StepScreen


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    with open_container() as opened:
        yield opened


async def open_step(app: WriteItApp, container: Container, models: list[str]) -> StepScreen:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Keys"})
    screen = StepScreen(service, view.id, models=models, generate=True)
    await app.push_screen(screen)
    return screen


@pytest.mark.parametrize(("fmt", "suffix"), [("yaml", ".yaml"), ("jsonl", ".jsonl"), ("json", ".json")])
async def test_the_export_dialog_writes_every_format_the_cli_writes(
    container: Container, tmp_path: Path, fmt: str, suffix: str
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
        expected = await export_text(container.pipelines(), screen.pipeline_id, fmt)  # type: ignore[arg-type]
    assert path.read_text() == expected  # noqa: ASYNC240 (the app has stopped)
