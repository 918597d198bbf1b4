"""End-to-end helpers: run the real `writeit` command in a subprocess with the test's isolated home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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
