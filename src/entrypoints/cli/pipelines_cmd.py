"""`writeit pipelines`: list, show and export stored pipelines (start and drive them: round_cmd, journey_cmd)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from writeit.application.views import PipelineView
from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import handled, print_json, print_records, run_async
from writeit.entrypoints.cli.judge_cmd import judgement_lines

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container

app = typer.Typer(help="Start, drive step by step, list, show, export and import pipelines.", no_args_is_help=True)


@app.command("list")
@handled
def list_pipelines(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Every pipeline in the workspace, oldest first."""

    async def main(container: Container) -> None:
        # From the summaries projection alone: the use cases (and the model layer they bring) never load.
        summaries = await container.repository().summaries()
        if as_json:
            print_records(summaries)
            return
        for s in summaries:
            state = "complete" if s.completed else f"at {s.current_step}"
            typer.echo(f"{s.id[:12]}  {s.template:<16} {s.branch:<10} {state:<14} {s.updated_at[:19]}  {s.title}")

    run_async(main)


@app.command("show")
@handled
def show(
    pipeline_id: str = typer.Argument(
        ..., help="Pipeline id or a unique prefix of it.", autocompletion=completion.pipeline_ids
    ),
    branch: str | None = typer.Option(None, "--branch", "-b", help="Show this branch instead of the current one."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """A pipeline's branches, steps, candidates and selections."""

    async def main(container: Container) -> None:
        view = await container.pipelines().get(pipeline_id, branch)
        if as_json:
            print_json(view)
        else:
            print_view(view)

    run_async(main)


def print_view(view: PipelineView) -> None:
    t = view.totals
    typer.echo(f"pipeline {view.id}  template {view.template}  version {view.version}")
    if view.models:
        typer.echo(f"models (every step): {', '.join(view.models)}")
    approx = "~" if t.estimated else ""
    typer.echo(f"tokens {approx}{t.input_tokens} in / {approx}{t.output_tokens} out  cost ${t.cost:.4f}")
    typer.echo("branches:")
    for b in view.branches:
        mark = "*" if b.name == view.branch else " "
        origin = f" (forked from {b.parent} at {b.fork_step})" if b.parent else ""
        typer.echo(f" {mark} {b.name}{origin}  {'complete' if b.completed else 'at ' + b.current_step}")
    typer.echo(f"steps on {view.branch}:")
    for step in view.steps:
        flags = " [stale]" if step.stale else ""
        typer.echo(f"  {step.key}: {step.status}{flags}")
        for c in step.candidates:
            mark = "*" if c.id == step.selected else " "
            preview = " ".join(c.text.split())[:70]
            typer.echo(f"    {mark} {c.id[:8]} {c.model:<12} {c.status:<11} {preview}")
        for f in step.feedback:
            typer.echo(f"    feedback: {f}")
        for line in judgement_lines(step.judgement) if step.judgement is not None else ():
            typer.echo(line)


@app.command("export")
@handled
def export(
    pipeline_id: str = typer.Argument(
        ..., help="Pipeline id or a unique prefix of it.", autocompletion=completion.pipeline_ids
    ),
    fmt: str = typer.Option(
        "markdown", "--format", "-f", help="markdown, json, yaml, or jsonl (the events, one per line)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: stdout)."),
    branch: str | None = typer.Option(None, "--branch", "-b", help="Markdown: export this branch."),
    appendix: bool = typer.Option(False, "--appendix", help="Markdown: add rejected candidates and feedback."),
) -> None:
    """Export a pipeline as Markdown with front-matter, or its whole history as JSON or YAML."""
    from writeit.application.export_formats import FORMATS

    if fmt not in FORMATS:
        raise typer.BadParameter(f"'{fmt}' is not one of: {', '.join(FORMATS)}", param_hint="--format")

    async def main(container: Container) -> str:
        return await container.pipelines().export(pipeline_id, fmt, branch=branch, appendix=appendix)

    text = run_async(main)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(str(output))
