"""The TUI's embedded server serves the web page too, and what the TUI does shows up in the page live."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.tui_support import all_finished, make_app, open_container, panels, wait_for
from tests.e2e.web_support import ARGS, TIMEOUT_MS, candidate, chromium_path, shot_on_failure
from writeit.entrypoints.container import Container
from writeit.entrypoints.launch import api_server
from writeit.entrypoints.tui.screens.step import StepScreen

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container(counted_ids=False) as opened:
        yield opened


async def test_what_the_tui_does_shows_up_live_in_the_page_of_its_embedded_server(
    container: Container, request: pytest.FixtureRequest
) -> None:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "The TUI and the page"})
    app = make_app(container, api_server(container))
    async with app.run_test(size=(120, 30)) as pilot, async_playwright() as playwright:
        await wait_for(pilot, lambda: app.port is not None, "the API server")
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        page = await browser.new_page()
        async with shot_on_failure(page, request.node.name):
            await page.goto(f"http://127.0.0.1:{app.port}/")
            await page.get_by_role("link", name="The TUI and the page").click()
            await expect(page.locator("#where")).to_contain_text("v1 · live")

            await app.push_screen(StepScreen(service, view.id, models=["echo", "echo"], generate=True))
            await expect(page.locator('#candidates [data-status="completed"]')).to_have_count(2)
            await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
            await pilot.press("2")
            await expect(page.locator(candidate(2)).locator(".badge.selected")).to_be_visible()

            await page.keyboard.press("1")  # and the other way round: the page's selection reaches the TUI
            await wait_for(pilot, lambda: panels(app)[0].selected, "the page's selection in the TUI")
        await browser.close()
