"""A shell script drives a pipeline step by step through the CLI alone; every --json output carries the version."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import CLI, Runner
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

SCRIPT = Path(__file__).parent / "scripts" / "step_by_step.sh"
# Streams for 30 s (600 words, 50 ms apart): markov's 2 s could end before the script's Ctrl-C or kill landed.
SLOW = Behaviour(reply=" ".join(["slowly"] * 600), delay=0.05)


@pytest.mark.timeout(660)  # the script's own bound (600 s): some 40 commands, each a process; under load past 120 s
def test_a_script_drives_the_whole_journey_step_by_step(tmp_path: Path, writeit: Runner) -> None:
    out = tmp_path / "out"
    out.mkdir()
    slow = OpenAICompatibleServer({"slow": SLOW})
    slow.register(Path(os.environ["LLM_USER_PATH"]), {"srv-slow": "slow"})
    env = {**os.environ, "WRITEIT": shlex.join(CLI), "PY": sys.executable, "OUT": str(out), "SLOW": "srv-slow"}
    with slow:
        done = subprocess.run(
            ["bash", str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
        )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    pipeline_id = done.stdout.strip().splitlines()[-1]

    outputs = sorted(out.glob("*.json"))
    names = [p.stem.split("-", 1)[1] for p in outputs if p.name != "history.json"]
    assert names[:3] == ["start", "generate-plan", "select-plan"]
    assert {"edit-write", "feedback-write", "regenerate-write", "merge-by-hand", "merge-by-model"} <= set(names)
    assert {"fork", "switch", "keep-write", "keep-polish", "cancel"} <= set(names)
    versions = [json.loads(p.read_text())["version"] for p in outputs if p.name != "history.json"]
    assert versions == sorted(versions), "each command moved the version on"
    assert len(set(versions)) == len(versions)

    final = json.loads(writeit("pipelines", "show", pipeline_id, "--json").stdout)
    assert [b["name"] for b in final["branches"]] == ["main", "alternative"]
    write = next(s for s in final["steps"] if s["key"] == "write")
    origins = {c["origin"] for c in write["candidates"]}
    assert {"generated", "edited", "merged"} <= origins
    assert "Shorter, with one example." in write["feedback"]
    history = json.loads((out / "history.json").read_text())
    assert history["pipeline"]["id"] == pipeline_id
    assert (out / "article.md").read_text().startswith("---\n")


def test_a_stale_expected_version_changes_nothing_and_names_the_current_one(writeit: Runner) -> None:
    started = json.loads(writeit("pipelines", "start", "quick-article", "-i", "topic=x", "-m", "echo", "--json").stdout)
    pid, version = started["id"], started["version"]
    refused = writeit("pipelines", "generate", pid, "--expected-version", str(version + 5))
    assert refused.returncode == 1
    assert f"is at version {version}, not {version + 5}" in refused.stderr
    assert json.loads(writeit("pipelines", "show", pid, "--json").stdout)["version"] == version


def test_the_workspace_option_is_taken_after_the_subcommand_too(writeit: Runner) -> None:
    assert writeit("workspace", "create", "blog").returncode == 0
    started = writeit("pipelines", "start", "quick-article", "-i", "topic=x", "-m", "echo", "-w", "blog", "--json")
    assert started.returncode == 0, started.stderr
    pid = json.loads(started.stdout)["id"]
    for args in (("pipelines", "list", "--json", "-w", "blog"), ("--workspace", "blog", "pipelines", "list", "--json")):
        assert [p["id"] for p in json.loads(writeit(*args).stdout)] == [pid]
    assert json.loads(writeit("pipelines", "list", "--json", "--workspace=blog").stdout)[0]["id"] == pid
    assert json.loads(writeit("pipelines", "list", "--json").stdout) == [], "the default workspace holds none"


def test_an_options_value_that_starts_with_w_is_that_options_value_not_a_workspace(writeit: Runner) -> None:
    assert writeit("workspace", "create", "blog").returncode == 0
    started = writeit("pipelines", "start", "quick-article", "-i", "topic=x", "-m", "echo", "--json")
    pid = json.loads(started.stdout)["id"]
    for feedback in ("-wblog", "-wordier, please"):
        done = writeit("pipelines", "generate", pid, "--feedback", feedback, "--json", "-m", "echo")
        assert done.returncode == 0, done.stderr
    steps = json.loads(writeit("pipelines", "show", pid, "--json").stdout)["steps"]
    assert [f for s in steps for f in s["feedback"]] == ["-wblog", "-wordier, please"]
    assert json.loads(writeit("pipelines", "list", "--json", "-w", "blog").stdout) == [], "blog was never used"


def test_an_edit_that_names_no_candidate_rewrites_the_steps_selection_as_in_the_api(
    writeit: Runner, tmp_path: Path
) -> None:
    started = json.loads(writeit("pipelines", "start", "quick-article", "-i", "topic=x", "-m", "echo", "--json").stdout)
    pid = started["id"]
    generated = json.loads(writeit("pipelines", "generate", pid, "--json").stdout)
    step, chosen = generated["round"]["step"], generated["round"]["candidate_ids"][0]
    assert writeit("pipelines", "select", pid, step, chosen).returncode == 0
    (tmp_path / "mine.txt").write_text("my own words")
    edited = writeit("pipelines", "edit", pid, step, "--text-file", "mine.txt", "--json")
    assert edited.returncode == 0, edited.stderr
    shown = next(s for s in json.loads(edited.stdout)["steps"] if s["key"] == step)
    selection = next(c for c in shown["candidates"] if c["id"] == shown["selected"])
    assert (selection["text"], selection["edit_of"]) == ("my own words", chosen)
