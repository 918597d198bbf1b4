"""The README's leaderboard and preference-export block runs as written, in bash, in an empty home."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def preferences_block() -> str:
    block = re.search(r"<!-- preferences:.*?-->\s*```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert block, "the README has a preferences block"
    return block.group(1)


def test_the_leaderboard_and_export_commands_of_the_readme_work_as_written(tmp_path: Path) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # this checkout's writeit
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", preferences_block()],
        cwd=tmp_path,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "Traceback" not in ran.stderr
    assert "6 comparisons (all pipelines)" in ran.stdout  # three steps, two runs, one pair each
    plan, _ = json.JSONDecoder().raw_decode(ran.stdout[ran.stdout.index('{\n  "template"') :])
    assert (plan["template"], plan["step"], plan["comparisons"]) == ("quick-article", "plan", 2)
    dpo = [json.loads(line) for line in (tmp_path / "preferences.jsonl").read_text().splitlines()]
    assert len(dpo) == 6
    assert all(sorted(record) == ["chosen", "prompt", "rejected"] for record in dpo)
    assert "6 preference pairs written to preferences.jsonl" in ran.stderr
