"""The README's leaderboard and preference-export block runs as written, in bash, in an empty home."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.readme_blocks import run_block


def test_the_leaderboard_and_export_commands_of_the_readme_work_as_written(tmp_path: Path) -> None:
    ran = run_block("preferences", tmp_path)
    assert "6 comparisons (all pipelines)" in ran.stdout  # three steps, two runs, one pair each
    plan, _ = json.JSONDecoder().raw_decode(ran.stdout[ran.stdout.index('{\n  "template"') :])
    assert (plan["template"], plan["step"], plan["comparisons"]) == ("quick-article", "plan", 2)
    dpo = [json.loads(line) for line in (tmp_path / "preferences.jsonl").read_text().splitlines()]
    assert len(dpo) == 6
    assert all(sorted(record) == ["chosen", "prompt", "rejected"] for record in dpo)
    assert "6 preference pairs written to preferences.jsonl" in ran.stderr
