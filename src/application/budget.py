"""What a generation round will cost, estimated before it runs, and the per-pipeline budget that can refuse it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from writeit.application.errors import ApplicationError
from writeit.application.usage import PriceTable, estimate_tokens


@dataclass(frozen=True, slots=True, kw_only=True)
class CostEstimate:
    """A round's likely cost: every candidate's prompt, plus `output_tokens` each (a guess), at its price.

    A chain is priced at its dearest model, since any of them may end up answering. `unpriced` lists the
    models the price table does not know (counted as free: local models, or a table to extend).
    """

    candidates: int
    input_tokens: int
    output_tokens: int
    cost: float
    unpriced: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """The most a pipeline may spend in all (None: no cap), and the output length guessed per candidate."""

    limit: float | None = None
    output_guess: int = 800


class BudgetExceededError(ApplicationError):
    """Generating would take the pipeline past its budget; nothing was started or stored."""

    def __init__(self, step: str, estimate: CostEstimate, spent: float, limit: float) -> None:
        remaining = max(limit - spent, 0.0)
        super().__init__(
            f"step '{step}': {estimate.candidates} candidate(s) would cost about ${estimate.cost:.4f} (estimated), "
            f"but only ${remaining:.4f} of this pipeline's ${limit:.2f} budget remains "
            "(raise it with --budget or WRITEIT_BUDGET_USD)"
        )
        self.estimate = estimate
        self.remaining = remaining


def estimate_round(
    prices: PriceTable, chains: Sequence[tuple[str, ...]], prompt: str, system: str, output_guess: int
) -> CostEstimate:
    input_tokens = estimate_tokens(prompt) + estimate_tokens(system)
    cost = 0.0
    unpriced: list[str] = []
    for chain in chains:
        cost += max(prices.cost(model, input_tokens, output_guess) for model in chain)
        unpriced.extend(m for m in chain if prices.price(m) is None and m not in unpriced)
    return CostEstimate(
        candidates=len(chains),
        input_tokens=input_tokens * len(chains),
        output_tokens=output_guess * len(chains),
        cost=round(cost, 8),
        unpriced=tuple(unpriced),
    )


def check_budget(budget: Budget, step: str, estimate: CostEstimate, spent: float) -> None:
    """Raise BudgetExceededError if `estimate` on top of `spent` goes past the budget's limit (free rounds pass)."""
    if budget.limit is not None and estimate.cost > 0 and spent + estimate.cost > budget.limit + 1e-12:
        raise BudgetExceededError(step, estimate, spent, budget.limit)
