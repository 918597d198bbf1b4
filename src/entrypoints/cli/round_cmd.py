"""`writeit pipelines start|generate|cancel`: begin a pipeline, run a round of candidates here, stop one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import typer

from writeit.application import commands as cmd
from writeit.application.views import PipelineView
from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import fail, handled, print_json, run_async, to_plain
from writeit.entrypoints.cli.pipelines_cmd import app, print_view
from writeit.entrypoints.cli.run_cmd import parse_inputs

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container


ID = typer.Argument(..., help="Pipeline id or a unique prefix of it.", autocompletion=completion.pipeline_ids)
STEP = typer.Argument(..., help="Step key (as `pipelines show` lists them).")
VERSION = typer.Option(
    None, "--expected-version", help="Refuse (and change nothing) unless the pipeline is at this version."
)
BRANCH = typer.Option(None, "--branch", "-b", help="Refuse unless the pipeline is on this branch.")
JSON = typer.Option(False, "--json", help="Print the new state as JSON (with its version).")


def show(view: PipelineView, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        print_json({**to_plain(view), **(extra or {})})
    else:
        print_view(view)


@app.command("start")
@handled
def start(
    template: str = typer.Argument(..., help="Template name or YAML path.", autocompletion=completion.templates),
    inputs: list[str] = typer.Option(
        [], "--input", "-i", help="An input as key=value (value @file, @folder/, @- for stdin, @@ for a literal @)."
    ),
    models: list[str] = typer.Option([], "--model", "-m", help="Model id or alias for every step; repeat."),
    fragments: list[str] = typer.Option(
        [],
        "--fragment",
        "-f",
        help="A fragment as `llm -f` takes it (path, URL, prefix:ref); the prompts' `fragments`.",
    ),
    as_json: bool = JSON,
) -> None:
    """Start a pipeline without generating anything yet (then `pipelines generate ID`); inputs and fragments as
    `writeit run` reads them."""
    values = parse_inputs(inputs)

    async def main(container: Container) -> PipelineView:
        from writeit.entrypoints.input_files import resolve_inputs

        read = resolve_inputs(container.catalog().get(template), values)
        command = cmd.StartPipeline(template=template, inputs=read, models=tuple(models), fragments=tuple(fragments))
        return await container.pipelines().handle(command)

    show(run_async(main), as_json)


@app.command("generate")
@handled
def generate(
    pipeline_id: str = ID,
    step: str | None = typer.Option(None, "--step", "-s", help="Step to generate (default: the current one)."),
    feedback: str | None = typer.Option(None, "--feedback", help="Feedback for this round's prompt."),
    models: list[str] = typer.Option([], "--model", "-m", help="Model id or alias; repeat to fan out."),
    candidate: str | None = typer.Option(None, "--candidate", "-c", help="Regenerate only this candidate."),
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Generate a round of candidates and wait for each to finish; prints each one's id, model, status, tokens.

    Ctrl-C stops the round: each running candidate is recorded as cancelled with its text so far."""

    async def main(container: Container) -> tuple[PipelineView, str, tuple[str, ...]]:
        service = container.pipelines()
        generation = await service.handle(
            cmd.Generate(
                pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step,
                feedback=feedback, models=tuple(models), candidate_id=candidate,
            )
        )  # fmt: skip
        started = (await service.get(generation.pipeline_id)).step(generation.step).candidates
        for c in started:
            if c.id in generation.candidate_ids:
                typer.echo(f"generating {c.id} {c.model}", err=True)  # a script may wait for these (to cancel)
        try:
            await generation.wait()
        except asyncio.CancelledError:  # Ctrl-C: keep what each candidate wrote so far
            for cid in generation.candidate_ids:
                await service.handle(cmd.Cancel(pipeline_id=generation.pipeline_id, candidate_id=cid))
            raise
        return await service.get(generation.pipeline_id), generation.step, generation.candidate_ids

    view, key, ids = run_async(main)
    if as_json:
        show(view, True, {"round": {"step": key, "candidate_ids": list(ids)}})
    else:
        _print_round(view, key, ids)


def _print_round(view: PipelineView, key: str, ids: tuple[str, ...]) -> None:
    """A line per candidate of the round (id, model, status, tokens, error), then the pipeline's version."""
    for c in view.step(key).candidates:
        if c.id in ids:
            about = "~" if c.usage_estimated else ""
            detail = f"  {c.error}" if c.error else ""
            typer.echo(f"{c.id} {c.model} {c.status} {about}{c.output_tokens} tokens{detail}")
    typer.echo(f"pipeline {view.id} version {view.version}", err=True)


@app.command("cancel")
@handled
def cancel(
    pipeline_id: str = ID,
    candidate: str = typer.Argument(..., help="Candidate id to stop."),
    as_json: bool = JSON,
) -> None:
    """Stop a candidate left generating by a WriteIt process that has stopped: it is marked interrupted.

    A candidate that a live process generates is stopped there: Ctrl-C on its `pipelines generate` (or
    `writeit run`), `x` in the TUI, or the API's cancel."""

    async def main(container: Container) -> PipelineView:
        service = container.pipelines()
        stopped = await service.handle(cmd.Cancel(pipeline_id=pipeline_id, candidate_id=candidate))
        if not stopped and candidate not in await service.handle(cmd.Recover(pipeline_id=pipeline_id)):
            view = await service.get(pipeline_id)
            status = next((c.status for s in view.steps for c in s.candidates if c.id == candidate), "unknown")
            if status == "interrupted":  # its process was gone: opening the store recovered it already
                return view
            where = "another WriteIt process is generating it" if status == "pending" else f"it is {status}"
            raise fail(f"candidate {candidate} is not running here: {where}; nothing was changed")
        return await service.get(pipeline_id)

    show(run_async(main), as_json)
