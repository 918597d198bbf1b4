"""`writeit models`: what `llm` offers here, and which models have their key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from writeit.entrypoints.cli.common import handled, print_json

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container


@handled
def models(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the models available through llm and whether their keys are set."""
    from writeit.entrypoints.container import Container

    container: Container = Container()
    infos = container.language_model().models()
    default = container.settings().model()
    if as_json:
        print_json({"default": default, "models": infos})
        return
    for info in infos:
        key = "" if info.needs_key is None else (" (key set)" if info.has_key else f" (needs key: {info.needs_key})")
        aliases = f" aliases: {', '.join(info.aliases)}" if info.aliases else ""
        mark = "*" if info.model_id == default else " "
        typer.echo(f"{mark} {info.model_id}{key}{aliases}")
