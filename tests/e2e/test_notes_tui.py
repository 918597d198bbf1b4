"""Raw notes into the TUI form: a path field (with completion) loads a file or folder into the textarea."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from tests.e2e.fragment_support import notes_loader
from tests.e2e.notes_support import EXPECTED, install_template, notes_folder
from tests.e2e.tui_support import all_finished, make_app, open_container, screen_text, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.tui.screens.form import InputFormScreen
from writeit.entrypoints.tui.screens.step import StepScreen


@pytest.fixture
async def container(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    install_template(isolated_home)
    async with open_container() as opened:
        yield opened


async def test_a_folder_loads_into_the_textarea_is_edited_and_becomes_the_input(
    container: Container, tmp_path: Path
) -> None:
    notes_folder(tmp_path)
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")  # the first template listed: the global from-notes
        assert isinstance(app.screen, InputFormScreen)
        await pilot.click("#file-notes")
        await pilot.press(*f"{tmp_path}/no")
        await wait_for(pilot, lambda: app.screen.query_one("#file-notes", Input)._suggestion, "a completion")
        await pilot.press("right", "enter")  # accept the completion (the folder), then load it
        area = app.screen.query_one("#input-notes", TextArea)
        assert area.text == EXPECTED
        assert area.has_focus, "the text is shown, ready to edit"
        await pilot.press(*"Fourth: mine.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen), "the step view")
        summaries = await container.pipelines().summaries()
        view = await container.pipelines().get(summaries[0].id)
        assert view.inputs == {"notes": EXPECTED + "Fourth: mine."}


async def test_an_oversized_file_is_refused_under_its_field_and_nothing_is_stored(
    container: Container, tmp_path: Path
) -> None:
    (tmp_path / "huge.md").write_text("z" * 2001)
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.click("#file-notes")
        await pilot.press(*f"{tmp_path}/huge.md", "enter")
        await pilot.pause()
        assert f"{tmp_path}/huge.md: is over 2000 characters" in screen_text(app)
        assert app.screen.query_one("#input-notes", TextArea).text == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, InputFormScreen)
    assert await container.pipelines().summaries() == []


async def test_fragments_typed_in_the_form_reach_the_first_prompt(container: Container, tmp_path: Path) -> None:
    (tmp_path / "extra.md").write_text("An extra fragment.")
    app = make_app(container)
    with notes_loader():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter")
            await pilot.click("#input-notes")
            await pilot.press(*"typed notes")
            await pilot.click("#input-fragments")
            await pilot.press(*f"notes:standup {tmp_path}/ext")
            await wait_for(pilot, lambda: app.screen.query_one("#input-fragments", Input)._suggestion, "a completion")
            await pilot.press("right", "ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, StepScreen), "the step view")
            await wait_for(pilot, lambda: all_finished(app), "the first step's candidate")
            summaries = await container.pipelines().summaries()
    view = await container.pipelines().get(summaries[0].id)
    assert view.step("draft").candidates[0].prompt.startswith("notes called standup\n\nAn extra fragment.\n\n")


async def test_a_fragment_that_cannot_be_read_is_shown_under_its_field(container: Container) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.click("#input-notes")
        await pilot.press(*"typed notes")
        await pilot.click("#input-fragments")
        await pilot.press(*"nowhere.md", "ctrl+s")
        await pilot.pause()
        assert "Fragment 'nowhere.md' not found" in screen_text(app)
        assert isinstance(app.screen, InputFormScreen)
    assert await container.pipelines().summaries() == []


async def test_standard_input_is_refused_in_the_form_as_the_terminal_it_is_and_nothing_is_stored(
    container: Container,
) -> None:
    app = make_app(container)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.click("#file-notes")
        await pilot.press(*"@-", "enter")
        await wait_for(pilot, lambda: "type the path of a file" in screen_text(app), "the load field's refusal")
        await pilot.click("#input-notes")
        await pilot.press(*"@-", "ctrl+s")
        await wait_for(pilot, lambda: "standard input is the terminal here" in screen_text(app), "the refusal")
        assert isinstance(app.screen, InputFormScreen)
        assert app.screen.query_one("#input-notes", TextArea).text == "@-", "what was typed stays, to be corrected"
    assert await container.pipelines().summaries() == []
