"""The README's "Raw notes in" block runs as written, in bash, in an empty home and llm user dir."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import CLI

README = Path(__file__).parents[2] / "README.md"


def notes_block() -> str:
    block = re.search(r"<!-- notes:.*?-->\s*```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert block, "the README has a raw-notes block"
    return block.group(1)


def test_the_raw_notes_commands_of_the_readme_work_as_written(tmp_path: Path) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # this checkout's writeit and llm
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", notes_block()],
        cwd=tmp_path,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "Traceback" not in ran.stderr
    logged, _ = json.JSONDecoder().raw_decode(ran.stdout[ran.stdout.index("[\n") :])  # what `llm logs` printed
    assert len(logged) == 3
    assert all(str(entry["conversation_name"]).startswith("writeit pipeline=") for entry in logged)

    listed = subprocess.run([*CLI, "pipelines", "list", "--json"], capture_output=True, text=True, check=True)
    first = json.loads(listed.stdout)[0]["id"]
    shown = subprocess.run([*CLI, "pipelines", "show", first, "--json"], capture_output=True, text=True, check=True)
    notes = json.loads(shown.stdout)["inputs"]["source_material"]
    assert notes.startswith("## 1-problem.md\n\nWriters lose drafts")
    assert notes.endswith("## 3-payoff.md\n\nReplaying the log costs nothing.\n")
