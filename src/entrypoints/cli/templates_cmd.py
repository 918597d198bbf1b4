"""`writeit templates`: list, show and validate pipeline templates."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import typer

from writeit.application.errors import TemplateNotFoundError
from writeit.application.templates import TemplateService
from writeit.domain.errors import TemplateInvalidError
from writeit.domain.template import PipelineTemplate
from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import fail, handled, print_json
from writeit.entrypoints.cli.messages import print_error
from writeit.entrypoints.display import clean

app = typer.Typer(help="List, show and validate pipeline templates.", no_args_is_help=True)


def _service() -> TemplateService:
    from writeit.entrypoints.container import Container

    return Container().templates()


@app.command("list")
@handled
def list_templates(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Templates found: workspace first, then global, then built-in."""
    summaries = _service().list()
    if as_json:
        print_json(summaries)
        return
    for s in summaries:
        typer.echo(f"{s.name:<24} {s.origin:<9} {' → '.join(s.steps)}  {s.description}")


@app.command("show")
@handled
def show(
    name: str = typer.Argument(..., help="Template name or YAML path.", autocompletion=completion.templates),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show a template's inputs and steps."""
    template = _service().get(name)
    if as_json:
        print_json(_as_json(template))
        return
    typer.echo(f"{template.name} ({template.source}) — {template.metadata.description}")
    typer.echo("inputs:")
    for spec in template.inputs:
        flags = " required" if spec.required else f" default={spec.default!r}"
        typer.echo(f"  {spec.key}: {spec.type.value}{flags}  {spec.label}")
    typer.echo("steps:")
    for step in template.steps:
        models = ", ".join(step.models or step.model_preference) or "default model"
        typer.echo(f"  {step.key}: {step.name} ×{step.response_count} [{models}]")
    _echo_notes(template)


def _as_json(template: PipelineTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "source": template.source,
        "metadata": dataclasses.asdict(template.metadata),
        "defaults": _plain(template.defaults),
        "inputs": [dataclasses.asdict(spec) for spec in template.inputs],
        "steps": [dataclasses.asdict(spec) for spec in template.steps],
        "notes": [str(note) for note in template.notes],
    }


def _plain(value: Any) -> Any:
    """Read-only mappings (a template's `defaults`) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _echo_notes(template: PipelineTemplate) -> None:
    for note in template.notes:
        typer.echo(f"note: {clean(str(note))}")


@app.command("validate")
@handled
def validate(files: list[str] = typer.Argument(..., help="Template files (or names) to check.")) -> None:
    """Check templates without running them; one line per problem as file:line: field: message. Every file is
    checked (a missing one too), and the exit is non-zero if any failed."""
    service = _service()
    failed = 0
    for file in files:
        try:
            template = service.get(file)
        except TemplateInvalidError as exc:
            failed += 1
            for problem in exc.problems:
                print_error(str(problem))
            continue
        except TemplateNotFoundError as exc:
            failed += 1
            print_error(f"{file}: {exc}")
            continue
        typer.echo(f"{file}: ok ({len(template.steps)} steps)")
        _echo_notes(template)
    if failed:
        raise fail(f"{failed} of {len(files)} template(s) invalid")
