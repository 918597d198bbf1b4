"""The README's command-line tour runs as written: every command, top to bottom, in an empty home."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.e2e.conftest import Runner

README = Path(__file__).parents[2] / "README.md"


def tour() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- tour:.*?-->\s*```sh\n(.*?)```", text, re.DOTALL)
    assert block, "the README has a tour block"
    return [line for line in block.group(1).splitlines() if line.startswith("writeit ")]


def test_the_readme_tour_covers_every_command_group() -> None:
    used = {shlex.split(line)[1] for line in tour()}
    for command in ("init", "templates", "styles", "models", "run", "pipelines", "workspace", "config", "backup"):
        assert command in used


def test_every_command_of_the_readme_tour_works_as_written(writeit: Runner) -> None:
    """`ID` is the pipeline started last when it is first used; `CANDIDATE`, `CANDIDATE2` the first and second
    candidates of the latest round of the step named after the ID, as `pipelines generate` printed them."""
    pipeline_id = ""
    for line in tour():
        args = shlex.split(line)[1:]
        if "ID" in args:
            if not pipeline_id:
                pipeline_id = json.loads(writeit("pipelines", "list", "--json").stdout)[-1]["id"]
            args = [pipeline_id if a == "ID" else a for a in args]
        if {"CANDIDATE", "CANDIDATE2"} & set(args):
            ids = latest_round(writeit, pipeline_id, args[args.index(pipeline_id) + 1])
            args = [{"CANDIDATE": ids[0], "CANDIDATE2": ids[-1]}.get(a, a) for a in args]
        result = writeit(*args, timeout=300)
        assert result.returncode == 0, f"{line}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr


def latest_round(writeit: Runner, pipeline_id: str, step: str) -> list[str]:
    view = json.loads(writeit("pipelines", "show", pipeline_id, "--json").stdout)
    state = next(s for s in view["steps"] if s["key"] == step)
    return [c["id"] for c in state["candidates"] if c["generation"] == state["generation"]]
