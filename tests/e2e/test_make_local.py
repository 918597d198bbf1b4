"""`make run`'s first install says what the long llama-cpp-python build is, that it happens once, and shows it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_installing_the_local_model_announces_the_one_time_build_and_shows_pips_progress(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / ".dev").touch()  # up to date: only the local install's recipe is planned
    planned = subprocess.run(
        ["make", "-n", f"VENV={venv}", f"{venv}/.local"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    said = " ".join(line.strip() for line in planned.splitlines() if line.lstrip().startswith("echo"))
    assert "llama-cpp-python" in said
    assert "minutes" in said
    assert "once" in said
    install = next(line for line in planned.splitlines() if "pip install" in line and "local" in line)
    assert " -q" not in install
    assert "--verbose" in install
