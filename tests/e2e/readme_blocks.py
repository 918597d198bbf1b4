"""The README's marked shell blocks (`<!-- name: ... -->` then a sh block), run as written in bash."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def block(marker: str) -> str:
    found = re.search(rf"<!-- {marker}:.*?-->\s*```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert found, f"the README has a {marker} block"
    return found.group(1)


def run_block(marker: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The block run by bash (errexit, pipefail) in `cwd`, with this checkout's `writeit` and `llm` first on PATH;
    asserts it succeeded without a traceback."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block(marker)],
        cwd=cwd,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "Traceback" not in ran.stderr
    return ran
