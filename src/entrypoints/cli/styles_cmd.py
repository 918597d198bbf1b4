"""`writeit styles`: the style primers prompts can use through `style.*`."""

from __future__ import annotations

import typer

from writeit.application.errors import ApplicationError
from writeit.application.templates import TemplateService
from writeit.domain.errors import DomainError
from writeit.domain.template import STYLE_FIELDS
from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import handled, print_json
from writeit.entrypoints.display import clean

app = typer.Typer(help="List and show style primers.", no_args_is_help=True)


def _service() -> TemplateService:
    from writeit.entrypoints.container import Container

    return Container().templates()


@app.command("list")
@handled
def list_styles(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Style primers found: workspace, then global, then built-in; an unreadable one is listed with its problem."""
    service = _service()
    rows = [_row(service, name) for name in service.styles()]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(clean(f"{row['name']:<20} {row.get('description') or 'invalid: ' + row.get('problem', '')}"))


def _row(service: TemplateService, name: str) -> dict[str, str]:
    """One primer's name and description, or its first problem (file:line: ...) when it cannot be read."""
    try:
        return {"name": name, "description": service.style(name).get("description", "")}
    except (ApplicationError, DomainError) as exc:
        problems = getattr(exc, "problems", ())
        return {"name": name, "description": "", "problem": str(problems[0] if problems else exc)}


@app.command("show")
@handled
def show(
    name: str = typer.Argument(..., help="Style name.", autocompletion=completion.styles),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Every field of a style primer."""
    style = _service().style(name)
    if as_json:
        print_json(style)
        return
    for key, value in style.items():
        if value:
            unused = "" if key in STYLE_FIELDS else " (kept, not used in prompts: ignored)"
            typer.echo(f"{key}:{unused}\n  " + "\n  ".join(value.splitlines()))
