"""`writeit styles`: the style primers prompts can use through `style.*`."""

from __future__ import annotations

import typer

from writeit.application.templates import TemplateService
from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import handled, print_json

app = typer.Typer(help="List and show style primers.", no_args_is_help=True)


def _service() -> TemplateService:
    from writeit.entrypoints.container import Container

    return Container().templates()


@app.command("list")
@handled
def list_styles(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Style primers found: workspace, then global, then built-in."""
    service = _service()
    names = service.styles()
    if as_json:
        print_json([{"name": n, "description": service.style(n).get("description", "")} for n in names])
        return
    for name in names:
        typer.echo(f"{name:<20} {service.style(name).get('description', '')}")


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
            typer.echo(f"{key}:\n  " + "\n  ".join(value.splitlines()))
