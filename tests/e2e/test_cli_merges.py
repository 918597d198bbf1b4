"""Guided merges, merge recipes and tracked changes through the CLI alone, in subprocesses on a real store."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Runner
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

POINTS = "Here are the points:\n1. Events are immutable [1, 2]\n2. Replays rebuild state [2]\n3. Snapshots are fast [1]"


@pytest.fixture
def models(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    behaviours = {"points": Behaviour(reply=POINTS), "writer": Behaviour(reply="Merged from points.")}
    with OpenAICompatibleServer(behaviours) as running:
        running.register(Path(os.environ["LLM_USER_PATH"]), {"srv-points": "points", "srv-writer": "writer"})
        yield running


def ok(writeit: Runner, *args: str) -> Any:
    done = writeit(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def started(writeit: Runner, n: int = 3) -> tuple[str, list[str]]:
    pid = ok(writeit, "pipelines", "start", "quick-article", "-i", "topic=LMDB")["id"]
    view = ok(writeit, "pipelines", "generate", pid, "--step", "plan", *["-m", "echo"] * n)
    ids = [c["id"] for c in next(s for s in view["steps"] if s["key"] == "plan")["candidates"]]
    assert len(ids) == n
    return pid, ids


def plan(view: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in view["steps"] if s["key"] == "plan")
    return found


def test_a_guided_merge_lists_points_then_merges_the_ticked_ones_in_order(
    writeit: Runner, models: OpenAICompatibleServer
) -> None:
    pid, ids = started(writeit)
    listed = writeit("pipelines", "points", pid, "plan", ids[0], ids[1], "-m", "srv-points")
    assert listed.returncode == 0, listed.stderr
    assert "p1  Events are immutable" in listed.stdout
    extraction = listed.stdout.split()[1]
    view = ok(writeit, "pipelines", "guided-merge", pid, "plan", extraction, "--points", "p3,p1", "-m", "srv-writer")
    merged = plan(view)["candidates"][-1]
    assert (merged["text"], merged["points"], merged["sources"]) == ("Merged from points.", ["p3", "p1"], ids[:2])
    assert (models.requests["points"], models.requests["writer"]) == (1, 1)
    prompt = models.bodies[-1]["messages"][-1]["content"]
    assert prompt.index("Snapshots are fast") < prompt.index("Events are immutable")
    assert "Replays rebuild state" not in prompt


def test_an_unreadable_extraction_exits_1_and_is_recorded(writeit: Runner) -> None:
    pid, ids = started(writeit, 2)
    before = ok(writeit, "pipelines", "show", pid)["version"]
    failed = writeit("pipelines", "points", pid, "plan", *ids, "-m", "echo")
    assert failed.returncode == 1
    assert "the points could not be read (recorded as extraction" in failed.stderr
    assert ok(writeit, "pipelines", "show", pid)["version"] == before + 1
    refused = writeit("pipelines", "guided-merge", pid, "plan", "nope", "--points", "p1")
    assert refused.returncode == 1
    assert "no extraction 'nope'" in refused.stderr


def test_recipes_from_the_workspace_global_and_built_in_are_chosen_by_name(
    writeit: Runner, isolated_home: Path
) -> None:
    (isolated_home / "recipes.yaml").write_text("ours: Say it the way we do.\n")
    listed = writeit("pipelines", "recipes")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [
        ["ours", "global"], ["best-of", "built-in"], ["combine-structure", "built-in"], ["tighten", "built-in"],
    ]  # fmt: skip
    pid, ids = started(writeit, 2)
    view = ok(writeit, "pipelines", "merge", pid, "plan", *ids, "--recipe", "ours", "-m", "echo")
    first = plan(view)["candidates"][-1]
    assert first["recipe"] == "ours"
    assert "Say it the way we do." in first["text"]
    again = ok(writeit, "pipelines", "merge", pid, "plan", first["id"], ids[0], "--recipe", "best-of", "-m", "echo")
    assert plan(again)["candidates"][-1]["sources"] == [first["id"], ids[0]]
    unknown = writeit("pipelines", "merge", pid, "plan", *ids, "--recipe", "nope")
    assert unknown.returncode == 1
    assert "no merge recipe 'nope'" in unknown.stderr
    assert f"workspace {isolated_home / 'workspaces' / 'default' / 'recipes.yaml'}" in unknown.stderr
    assert ok(writeit, "pipelines", "show", pid)["version"] == again["version"], "nothing stored"


def test_tracked_changes_are_listed_then_decided_into_an_edit(writeit: Runner, tmp_path: Path) -> None:
    pid, ids = started(writeit, 1)
    (tmp_path / "a.txt").write_text("The store keeps every event.")
    (tmp_path / "b.txt").write_text("The log keeps each event.")
    base = plan(ok(writeit, "pipelines", "edit", pid, "plan", ids[0], "--text-file", "a.txt"))["selected"]
    revision = plan(ok(writeit, "pipelines", "edit", pid, "plan", base, "--text-file", "b.txt"))["selected"]
    listed = writeit("pipelines", "changes", pid, "--step", "plan", "--candidate", revision)
    assert listed.returncode == 0, listed.stderr
    assert "2 change(s)" in listed.stdout
    assert "1 replace  -'store' +'log'" in listed.stdout
    decided = ok(writeit, "pipelines", "changes", pid, "-s", "plan", "-c", revision, "--accept", "2", "--reject", "1")
    result = plan(decided)["candidates"][-1]
    assert result["text"] == "The store keeps each event."
    assert [(c["n"], c["accepted"]) for c in result["changes"]] == [(1, False), (2, True)]
    bad = writeit("pipelines", "changes", pid, "-s", "plan", "-c", revision, "--accept", "one")
    assert bad.returncode == 2
    assert "--accept takes change numbers" in bad.stderr
