"""`writeit models`: what `llm` offers here, which models have their key, their prices, and the default."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from writeit.application.errors import ModelNotFoundError
from writeit.entrypoints.cli.common import handled, print_json

if TYPE_CHECKING:
    from writeit.application.ports import ModelInfo
    from writeit.application.usage import Price
    from writeit.entrypoints.container import Container


app = typer.Typer()


@app.callback(invoke_without_command=True)
def models_group(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the models available through llm, whether their keys are set, and their prices (`leaderboard`:
    how the writer's selections rank them).

    `*` marks the default model. Add a key with `llm keys set <provider>`; add models with llm plugins.
    """
    if ctx.invoked_subcommand is None:
        models(as_json)


@handled
def models(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List the models available through llm, whether their keys are set, and their prices.

    `*` marks the default model. Add a key with `llm keys set <provider>`; add models with llm plugins.
    """
    from writeit.entrypoints.container import Container

    container: Container = Container()
    default = container.default_model()  # first: finding it registers WriteIt's own models (SmolLM2-2k)
    with contextlib.suppress(ModelNotFoundError):  # an alias is shown as the model it names
        default = container.language_model().resolve(default)
    infos = container.language_model().models()
    prices = container.prices()
    if as_json:
        rows = [asdict(info) | {"price": _plain(prices.price(info.model_id))} for info in infos]
        print_json({"default": default, "models": rows})
        return
    for info in infos:
        mark = "*" if default == info.model_id or default in info.aliases else " "
        typer.echo(f"{mark} {info.model_id}{_key(info)}{_price(prices.price(info.model_id))}{_aliases(info)}")


def _key(info: ModelInfo) -> str:
    if info.needs_key is None:
        return ""
    return " (key set)" if info.has_key else f" (needs key: llm keys set {info.needs_key})"


def _price(price: Price | None) -> str:
    return "" if price is None else f" ${price.input:g}/${price.output:g} per M tokens in/out"


def _aliases(info: ModelInfo) -> str:
    return f" aliases: {', '.join(info.aliases)}" if info.aliases else ""


def _plain(price: Price | None) -> dict[str, float] | None:
    return None if price is None else {"input": price.input, "output": price.output}
