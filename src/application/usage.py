"""Token usage and cost: the model's own counts when it gives them, an estimate (marked so) when not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    output_tokens: int
    estimated: bool
    cost: float


def estimate_tokens(text: str) -> int:
    # ~4 characters per token is the usual rule of thumb for English with BPE tokenizers.
    return (len(text) + 3) // 4


class PriceTable:
    """Prices per model id; unknown models (local ones) cost nothing."""

    def __init__(self, prices: Mapping[str, Price] | None = None) -> None:
        self._prices = dict(prices or {})

    def price(self, model_id: str) -> Price | None:
        return self._prices.get(model_id)

    def usage(self, model_id: str, prompt: str, text: str, reported: tuple[int | None, int | None]) -> Usage:
        input_tokens, output_tokens = reported
        estimated = input_tokens is None or output_tokens is None
        inp = input_tokens if input_tokens is not None else estimate_tokens(prompt)
        out = output_tokens if output_tokens is not None else estimate_tokens(text)
        price = self.price(model_id)
        cost = 0.0 if price is None else (inp * price.input + out * price.output) / 1_000_000
        return Usage(inp, out, estimated, round(cost, 8))
