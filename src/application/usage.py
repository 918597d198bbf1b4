"""Token usage and cost: the model's own counts when it gives them, an estimate (marked so) when not; totals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from writeit.domain.pipeline import Pipeline


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
    """Prices per model id (or alias); unknown models (local ones) cost nothing."""

    def __init__(self, prices: Mapping[str, Price] | None = None) -> None:
        self._prices = dict(prices or {})

    def price(self, model_id: str) -> Price | None:
        return self._prices.get(model_id)

    def known(self) -> dict[str, Price]:
        return dict(self._prices)

    def cost(self, model_id: str, input_tokens: int, output_tokens: int) -> float:
        price = self.price(model_id)
        cost = 0.0 if price is None else (input_tokens * price.input + output_tokens * price.output) / 1_000_000
        return round(cost, 8)

    def usage(self, model_id: str, prompt: str, text: str, reported: tuple[int | None, int | None]) -> Usage:
        input_tokens, output_tokens = reported
        estimated = input_tokens is None or output_tokens is None
        inp = input_tokens if input_tokens is not None else estimate_tokens(prompt)
        out = output_tokens if output_tokens is not None else estimate_tokens(text)
        return Usage(inp, out, estimated, self.cost(model_id, inp, out))


class Accounted(Protocol):
    """Anything with a candidate's accounting: the aggregate's Candidate, a CandidateView."""

    @property
    def input_tokens(self) -> int: ...

    @property
    def output_tokens(self) -> int: ...

    @property
    def cost(self) -> float: ...

    @property
    def usage_estimated(self) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageTotals:
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    candidates: int = 0
    estimated: bool = False


def totals(candidates: Iterable[Accounted]) -> UsageTotals:
    """The sums of `candidates`; `estimated` if any count in them is an estimate."""
    items = list(candidates)
    return UsageTotals(
        input_tokens=sum(c.input_tokens for c in items),
        output_tokens=sum(c.output_tokens for c in items),
        cost=round(sum(c.cost for c in items), 8),
        candidates=len(items),
        estimated=any(c.usage_estimated for c in items),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageReport:
    """What a pipeline consumed: per step (of `branch`), per branch, and in all (each candidate counted once)."""

    branch: str
    steps: Mapping[str, UsageTotals]
    branches: Mapping[str, UsageTotals]
    pipeline: UsageTotals


def usage_report(pipeline: Pipeline, branch: str | None = None) -> UsageReport:
    name = branch or pipeline.current_branch
    candidates = pipeline.candidates

    def of_branch(b: str) -> dict[str, UsageTotals]:
        return {k: totals(candidates[c] for c in pipeline.step_state(k, b).candidate_ids) for k in pipeline.step_keys}

    branches = {}
    for b in pipeline.branches:
        # A fork shares the candidates of the steps it copied: count each once per branch.
        ids = {c for k in pipeline.step_keys for c in pipeline.step_state(k, b).candidate_ids}
        branches[b] = totals(candidates[c] for c in ids)
    return UsageReport(branch=name, steps=of_branch(name), branches=branches, pipeline=totals(candidates.values()))
