"""The price table: the one shipped with the package (prices.yaml beside this module), extended by the user's."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from writeit.application.errors import ApplicationError
from writeit.application.usage import Price, PriceTable


class PriceTableError(ApplicationError):
    """A prices.yaml the user wrote cannot be read; the message names the file, line and model."""


def load_price_table(extensions: Iterable[Path] = ()) -> PriceTable:
    """The packaged prices, then each existing file of `extensions` in order (a later entry replaces one before)."""
    packaged = resources.files("writeit.adapters.llm").joinpath("prices.yaml").read_text(encoding="utf-8")
    prices = parse_prices(packaged, "prices.yaml (packaged)")
    for path in extensions:
        if path.is_file():
            prices.update(parse_prices(path.read_text(encoding="utf-8"), str(path)))
    return PriceTable(prices)


def parse_prices(text: str, source: str) -> dict[str, Price]:
    """`model: {input: $/M tokens, output: $/M tokens}` entries; raises PriceTableError naming what is wrong."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise PriceTableError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PriceTableError(f"{source}: expected a mapping of model id to {{input: ..., output: ...}}")
    return {str(model): _price(entry, f"{source}: {model}") for model, entry in doc.items()}


def _price(entry: Any, where: str) -> Price:
    if not isinstance(entry, dict) or set(entry) != {"input", "output"}:
        raise PriceTableError(f"{where}: expected {{input: <$ per million tokens>, output: <$ per million tokens>}}")
    values = []
    for field in ("input", "output"):
        value = entry[field]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise PriceTableError(f"{where}: {field} must be a number of dollars ≥ 0, not {value!r}")
        values.append(float(value))
    return Price(input=values[0], output=values[1])
