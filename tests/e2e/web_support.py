"""Driving the web page in Debian's Chromium (headless, through Playwright), with a screenshot kept on failure."""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page as AsyncPage
from playwright.sync_api import Browser, Page, expect, sync_playwright

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TIMEOUT_MS = 30_000  # generous: the machine is shared and loaded
# Without the background-networking flags Chromium keeps trying hosts this network refuses (STACK.md).
expect.set_options(timeout=TIMEOUT_MS)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium; a missing browser fails the test (installing it is .ci/run's job), never skips it."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed (apt-get install chromium): the web page tests need it")
    return found


@contextlib.contextmanager
def launched() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def watched_page(browser: Browser, request: pytest.FixtureRequest, width: int = 1280) -> Iterator[Page]:
    """A fresh tab (its own storage); script errors fail the test; a failed test leaves a screenshot behind."""
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    failed_before = request.session.testsfailed
    try:
        yield page
        assert not errors, f"the page raised: {errors}"
    finally:
        if request.session.testsfailed > failed_before or errors:
            _screenshot(page, request.node.name)
        context.close()


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    with contextlib.suppress(Exception):  # a page that crashed cannot be photographed; the failure still shows
        page.screenshot(path=str(path), full_page=True)
        print(f"\nscreenshot of the failed page: {path}", file=sys.__stderr__)


def candidate(number: int) -> str:
    """The selector of the step's candidate card `number` (1-based, as the keys count)."""
    return f"#candidates [data-candidate] >> nth={number - 1}"


@contextlib.asynccontextmanager
async def shot_on_failure(page: AsyncPage, name: str) -> AsyncIterator[None]:
    """For tests on the async API (beside a running Textual app): a screenshot when the block fails."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(path), full_page=True)
            print(f"\nscreenshot of the failed page: {path}", file=sys.__stderr__)
        raise
