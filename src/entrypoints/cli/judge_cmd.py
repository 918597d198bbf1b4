"""`writeit pipelines judge`: a judge model scores a step's candidates on criteria, with a reason per score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import handled, print_json, run_async

if TYPE_CHECKING:
    from writeit.application.judging import Judgement
    from writeit.entrypoints.container import Container


@handled
def judge(
    pipeline_id: str = typer.Argument(
        ..., help="Pipeline id or a unique prefix of it.", autocompletion=completion.pipeline_ids
    ),
    step: str = typer.Option(..., "--step", "-s", help="The step whose candidates are judged."),
    model: str | None = typer.Option(None, "--model", "-m", help="The judge: any llm model id or alias."),
    criteria: list[str] = typer.Option(
        [],
        "--criterion",
        "-c",
        help="A criterion (repeat; default: the step's criteria in its template, else clarity, accuracy, fit).",
    ),
    expected_version: int | None = typer.Option(None, "--expected-version", help="Refuse if the pipeline moved on."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Score every candidate of a step with text on each criterion (1-10, with the judge's reason); recorded as
    an event, it selects nothing. The call is estimated against the budget first, then retried, cached and
    costed as a candidate's is; its cost counts in the pipeline's totals."""

    async def main(container: Container) -> Judgement:
        return await container.pipelines().judge(pipeline_id, step, model, criteria, expected_version)

    found = run_async(main)
    if as_json:
        print_json(found)
    else:
        print_judgement(found)
    if found.error:
        raise typer.Exit(1)


def print_judgement(found: Judgement) -> None:
    spent = found.usage
    tokens = f"{spent['input_tokens']} in / {spent['output_tokens']} out"
    typer.echo(f"judge {found.model} on {found.step}: {tokens}, ${spent['cost']:.4f}")
    for score in found.scores:
        typer.echo(f"  {score['candidate_id'][:8]}  {score['criterion']:<18} {score['score']:>4}  {score['reason']}")
    if found.error:
        typer.echo(f"error: {found.error} (recorded)", err=True)


def judgement_lines(found: Judgement) -> list[str]:
    """A step's latest judgement in `pipelines show`: one line per candidate, its scores in criteria order."""
    rows: dict[str, dict[str, Any]] = {}
    for score in found.scores:
        rows.setdefault(str(score["candidate_id"]), {})[str(score["criterion"])] = score["score"]
    lines = [f"    judged by {found.model} on {', '.join(found.criteria)} (${found.usage.get('cost', 0.0):.4f}):"]
    for cid, row in rows.items():
        lines.append(f"      {cid[:8]} " + ", ".join(f"{c} {row[c]:g}" for c in found.criteria if c in row))
    if found.error:
        lines.append(f"      no scores: {found.error}")
    return lines
