"""End-to-end helpers: the real `writeit` command in a subprocess with the test's isolated home; the web tests' tab."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CLI = [sys.executable, "-m", "writeit"]
Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def writeit(tmp_path: Path) -> Runner:
    """Run `writeit ARGS...` in tmp_path; returns the completed process (never raises on failure)."""

    def run(*args: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args],
            cwd=cwd or tmp_path,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


# The web tests' browser and tab; Playwright is imported only by the tests that ask for them.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from tests.e2e.web_support import launched

    with launched() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    from tests.e2e.web_support import watched_page

    with watched_page(browser, request) as page:
        yield page
