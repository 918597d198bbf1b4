"""`writeit pipelines points|guided-merge|recipes|changes`: guided merges, merge recipes and tracked changes.

Each calls the same use case the API and the TUI call; `--json` prints what it made, with the version."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from writeit.application.views import PipelineView
from writeit.entrypoints.cli.common import fail, handled, print_json, run_async, to_plain
from writeit.entrypoints.cli.pipelines_cmd import app
from writeit.entrypoints.cli.round_cmd import BRANCH, ID, JSON, STEP, VERSION, show

if TYPE_CHECKING:
    from writeit.application.guided_merge import ExtractionView
    from writeit.application.merge_recipes import Recipe
    from writeit.application.tracked_changes import ChangesView
    from writeit.entrypoints.container import Container

MODEL = typer.Option(None, "--model", "-m", help="The model to ask (default: the default model).")
RECIPE = typer.Option(None, "--recipe", "-r", help="A named merge recipe (`writeit pipelines recipes` lists them).")


def numbers(option: str, value: str | None) -> list[int]:
    """'1,3' as [1, 3]; refused (exit 2) unless every item is a whole number."""
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if not all(v.isdigit() for v in items):
        raise fail(f"{option} takes change numbers separated by commas, e.g. 1,3 (not {value!r})", 2)
    return [int(v) for v in items]


@app.command("points")
@handled
def points(
    pipeline_id: str = ID,
    step: str = STEP,
    candidates: list[str] = typer.Argument(..., help="Two or more candidate ids whose points to list."),
    model: str | None = MODEL,
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """A guided merge's first step: a model lists the candidates' distinct points (then `guided-merge`)."""

    async def main(container: Container) -> ExtractionView:
        guided = container.pipelines().guided
        return await guided.extract(pipeline_id, step, candidates, model, expected_version, branch=branch)

    extraction = run_async(main)
    if as_json:
        print_json(extraction)
    else:
        typer.echo(f"extraction {extraction.id}  by {extraction.model}  version {extraction.version}")
        for point in extraction.points:
            typer.echo(f"  {point.id}  {point.text}  [from {', '.join(s[:8] for s in point.sources) or '?'}]")
        if extraction.streaming_sources:
            typer.echo(f"  (taken mid-stream: {', '.join(extraction.streaming_sources)})")
    if extraction.error:
        raise fail(f"the points could not be read (recorded as extraction {extraction.id}): {extraction.error}")


@app.command("guided-merge")
@handled
def guided_merge(
    pipeline_id: str = ID,
    step: str = STEP,
    extraction: str = typer.Argument(..., help="The extraction id `pipelines points` printed."),
    point_ids: str = typer.Option(..., "--points", "-p", help="The ticked point ids in order, e.g. p3,p1."),
    instruction: str | None = typer.Option(None, "--instruction", help="Also tell the merging model this."),
    recipe: str | None = RECIPE,
    model: str | None = MODEL,
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """Merge from the ticked points only (one model call); the merge becomes the step's selection."""
    ticked = [p.strip() for p in point_ids.split(",") if p.strip()]

    async def main(container: Container) -> PipelineView:
        guided = container.pipelines().guided
        return await guided.merge(
            pipeline_id, step, extraction, ticked, instruction, model, expected_version, recipe=recipe, branch=branch
        )

    show(run_async(main), as_json)


@app.command("recipes")
@handled
def recipes(as_json: bool = JSON) -> None:
    """The merge recipes: the workspace's recipes.yaml, then the global one, then the built-in ones."""

    async def main(container: Container) -> list[Recipe]:
        return container.pipelines().recipes.all()

    found = run_async(main)
    if as_json:
        print_json(found)
        return
    for recipe in found:
        typer.echo(f"{recipe.name:<20} {recipe.origin:<10} {recipe.description or recipe.instruction}")


@app.command("changes")
@handled
def changes(
    pipeline_id: str = ID,
    step: str = typer.Option(..., "--step", "-s", help="The step of the candidate."),
    candidate: str = typer.Option(..., "--candidate", "-c", help="The revision (an edit, a merge, a later step)."),
    against: str | None = typer.Option(None, "--against", help="The source to compare with (one of a merge's)."),
    accept: str | None = typer.Option(None, "--accept", help="Change numbers to accept, e.g. 1,3."),
    reject: str | None = typer.Option(None, "--reject", help="Change numbers to reject (undo), e.g. 2."),
    expected_version: int | None = VERSION,
    branch: str | None = BRANCH,
    as_json: bool = JSON,
) -> None:
    """List a revision's word-level changes; with --accept/--reject, record the result as your edit (a change
    in neither list stays as the revision made it) and select it."""
    accepted, rejected = numbers("--accept", accept), numbers("--reject", reject)

    async def main(container: Container) -> ChangesView | PipelineView:
        tracked = container.pipelines().tracked
        if accept is None and reject is None:
            return await tracked.changes(pipeline_id, step, candidate, against)
        return await tracked.decide(
            pipeline_id, step, candidate, accepted, rejected, expected_version, against=against, branch=branch
        )

    result = run_async(main)
    if isinstance(result, PipelineView):
        show(result, as_json)
    elif as_json:
        print_json({**to_plain(result), "changes": [{**to_plain(c), "kind": c.kind} for c in result.changes]})
    else:
        print_changes(result)


def print_changes(view: ChangesView) -> None:
    typer.echo(f"{view.candidate_id} (by {view.model}) against {view.against}: {len(view.changes)} change(s)")
    for c in view.changes:
        typer.echo(f"  {c.n:>3} {c.kind:<8} -{c.before.strip()!r} +{c.after.strip()!r}")
