"""The README's "Raw notes in" block runs as written, in bash, in an empty home and llm user dir."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.conftest import CLI
from tests.e2e.readme_blocks import run_block


def test_the_raw_notes_commands_of_the_readme_work_as_written(tmp_path: Path) -> None:
    ran = run_block("notes", tmp_path)
    logged, _ = json.JSONDecoder().raw_decode(ran.stdout[ran.stdout.index("[\n") :])  # what `llm logs` printed
    assert len(logged) == 3
    assert all(str(entry["conversation_name"]).startswith("writeit pipeline=") for entry in logged)

    listed = subprocess.run([*CLI, "pipelines", "list", "--json"], capture_output=True, text=True, check=True)
    first = json.loads(listed.stdout)[0]["id"]
    shown = subprocess.run([*CLI, "pipelines", "show", first, "--json"], capture_output=True, text=True, check=True)
    notes = json.loads(shown.stdout)["inputs"]["source_material"]
    assert notes.startswith("## 1-problem.md\n\nWriters lose drafts")
    assert notes.endswith("## 3-payoff.md\n\nReplaying the log costs nothing.\n")
