"""`writeit models leaderboard` and `writeit preferences export`: the writer's choices as ratings and as data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from writeit.entrypoints.cli.common import handled, print_json, run_async

if TYPE_CHECKING:
    from writeit.application.leaderboard import Leaderboard
    from writeit.application.ratings import Standing
    from writeit.entrypoints.container import Container

app = typer.Typer(help="The writer's preferences (every selection) as training data.", no_args_is_help=True)
_FORMATS = ("dpo", "jsonl")


@handled
def leaderboard(
    template: str | None = typer.Option(None, "--template", "-t", help="Only this template's selections."),
    step: str | None = typer.Option(None, "--step", "-s", help="Only this step's selections."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Rank the models by the writer's selections: wins, losses, win rate (95% Wilson interval) and a
    Bradley–Terry rating on the Elo scale. Each selection beats the other completed candidates of its round."""

    async def main(container: Container) -> Leaderboard:
        return await container.preferences().leaderboard(template, step)

    board = run_async(main)
    if as_json:
        print_json(board)
        return
    where = ", ".join(f"{k} {v}" for k, v in (("template", template), ("step", step)) if v) or "all pipelines"
    if not board.models:
        typer.echo(f"no preferences yet ({where}): select a candidate of a round two or more models answered")
        return
    typer.echo(f"{board.comparisons} comparisons ({where})")
    typer.echo(f"{'model':<24} {'rating':>6} {'wins':>5} {'losses':>6}  win rate (95% interval)")
    for s in board.models:
        typer.echo(f"{s.model:<24} {s.rating:>6.0f} {s.wins:>5} {s.losses:>6}  {_rate(s)}")


def _rate(s: Standing) -> str:
    return f"{s.win_rate:.0%} ({s.win_rate_low:.0%}–{s.win_rate_high:.0%}) of {s.games}"


@app.command("export")
@handled
def export(
    fmt: str = typer.Option(..., "--format", "-f", help="dpo (prompt, chosen, rejected) or jsonl (with models...)."),
    template: str | None = typer.Option(None, "--template", "-t", help="Only this template's selections."),
    step: str | None = typer.Option(None, "--step", "-s", help="Only this step's selections."),
    pipelines: list[str] = typer.Option([], "--pipeline", "-p", help="Only these pipelines (ids or prefixes)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: stdout)."),
) -> None:
    """Export every (chosen, rejected) pair of the writer's selections as JSON lines, the prompt as it was sent.

    dpo has the fields TRL's DPOTrainer reads: prompt, chosen, rejected. jsonl adds system, chosen_model,
    rejected_model, pipeline_id, template, step, branch, round, how (generated, edited, merged) and the ids."""
    if fmt not in _FORMATS:
        raise typer.BadParameter(f"'{fmt}' is not one of: {', '.join(_FORMATS)}", param_hint="--format")

    async def main(container: Container) -> tuple[str, int, int]:
        found = await container.preferences().export(fmt, template, step, pipelines)
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in found.records)
        return lines, len(found.records), found.without_prompt

    text, count, without_prompt = run_async(main)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    if without_prompt:
        typer.echo(f"left out {without_prompt} pairs whose round recorded no prompt", err=True)
    typer.echo(f"{count} preference pairs" + (f" written to {output}" if output else ""), err=True)
