"""`writeit pipelines select|edit|feedback|merge|fork|switch|keep`: the writer's commands, step by step.

Each command builds the same command object the API and the TUI build, and prints the new state
(`--json`: the pipeline view, with its version, for the next command's `--expected-version`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from writeit.application import commands as cmd
from writeit.application.views import PipelineView
from writeit.entrypoints.cli.common import fail, handled, run_async
from writeit.entrypoints.cli.pipelines_cmd import app
from writeit.entrypoints.cli.round_cmd import BRANCH, ID, JSON, STEP, VERSION, show

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container

TEXT_FILE = typer.Option(None, "--text-file", help="Read the text from this file ('-': from stdin).")


def read_text(path: str) -> str:
    """The text of `path`, or of stdin for '-'; refused when empty (nothing to record)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"--text-file {path}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise fail(f"--text-file {path}: the text is empty", 2)
    return text


def _command(as_json: bool, command: cmd.ViewCommand) -> None:
    """Run one command through its handler and print the state it leaves."""

    async def main(container: Container) -> PipelineView:
        return await container.pipelines().handle(command)

    show(run_async(main), as_json)


@app.command("select")
@handled
def select(
    pipeline_id: str = ID,
    step: str = STEP,
    candidate: str = typer.Argument(..., help="Candidate id to select."),
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Select a candidate as the step's text (later steps that used another become stale)."""
    _command(
        as_json, cmd.Select(**cmd.target(pipeline_id, expected_version, branch), step=step, candidate_id=candidate)
    )


@app.command("edit")
@handled
def edit(
    pipeline_id: str = ID,
    step: str = STEP,
    candidate: str | None = typer.Argument(None, help="Candidate id the edit starts from (default: the selection)."),
    text_file: str = typer.Option(..., "--text-file", help="The edited text ('-': from stdin)."),
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Save an edited text of a candidate (default: the step's selection) as a new candidate, and select it."""
    text = read_text(text_file)
    _command(
        as_json,
        cmd.Edit(**cmd.target(pipeline_id, expected_version, branch), step=step, candidate_id=candidate, text=text),
    )


@app.command("feedback")
@handled
def feedback(
    pipeline_id: str = ID,
    step: str = STEP,
    text: str | None = typer.Argument(None, help="The feedback (or give --text-file)."),
    text_file: str | None = TEXT_FILE,
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Record feedback on a step: its next round (`pipelines generate`) has it in the prompt."""
    if (text is None) == (text_file is None):
        raise fail("give the feedback either as an argument or with --text-file (one of the two)", 2)
    said = text if text is not None else read_text(str(text_file))
    _command(as_json, cmd.GiveFeedback(**cmd.target(pipeline_id, expected_version, branch), step=step, text=said))


@app.command("merge")
@handled
def merge(
    pipeline_id: str = ID,
    step: str = STEP,
    candidates: list[str] = typer.Argument(..., help="Two or more candidate ids to merge (merged ones too)."),
    text_file: str | None = typer.Option(None, "--text-file", help="The merged text, by hand ('-': stdin)."),
    model: str | None = typer.Option(None, "--model", "-m", help="Ask this model to merge (with --instruction)."),
    instruction: str | None = typer.Option(None, "--instruction", help="What the merging model should do."),
    recipe: str | None = typer.Option(None, "--recipe", "-r", help="A named merge recipe (`pipelines recipes`)."),
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Merge candidates into a new one and select it: by hand (--text-file) or by a model (--instruction and/or
    --recipe)."""
    by_model = instruction is not None or recipe is not None
    if (text_file is None) != by_model:
        raise fail(
            "merge either by hand with --text-file or by a model with --instruction/--recipe (one of the two)", 2
        )
    on, sources = cmd.target(pipeline_id, expected_version, branch), tuple(candidates)
    if text_file is not None:
        if model is not None:
            raise fail("--model merges by a model: give --instruction instead of --text-file", 2)
        text = read_text(text_file)
        by_hand = cmd.MergeByHand(**on, step=step, candidate_ids=sources, text=text)
        _command(as_json, by_hand)
        return
    merge_by_model = cmd.MergeByModel(
        **on, step=step, candidate_ids=sources, instruction=instruction, model=model, recipe=recipe
    )
    _command(as_json, merge_by_model)


@app.command("fork")
@handled
def fork(
    pipeline_id: str = ID,
    step: str = typer.Argument(..., help="The step the new branch starts again from."),
    name: str | None = typer.Option(None, "--name", help="Name of the new branch (default: the next free one)."),
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Fork the current branch at a step; the new branch becomes current."""
    _command(as_json, cmd.Fork(**cmd.target(pipeline_id, expected_version, branch), from_step=step, name=name))


@app.command("switch")
@handled
def switch(
    pipeline_id: str = ID,
    to: str = typer.Argument(..., help="Branch to make current."),
    expected_version: int | None = VERSION,
    as_json: bool = JSON,
) -> None:
    """Make another branch the current one."""
    _command(as_json, cmd.Switch(**cmd.target(pipeline_id, expected_version, None), to=to))


@app.command("keep")
@handled
def keep(
    pipeline_id: str = ID,
    step: str = STEP,
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Keep a stale step's selection as it is (no regeneration)."""
    _command(as_json, cmd.KeepStale(**cmd.target(pipeline_id, expected_version, branch), step=step))
