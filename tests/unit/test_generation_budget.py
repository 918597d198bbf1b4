"""The cost of a round is estimated before it runs, and a pipeline's budget refuses a round that would pass it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.generation_world import GenerationWorld, generation_world
from writeit.adapters.memory.language_model import Script
from writeit.application.budget import Budget, BudgetExceededError
from writeit.application.usage import Price, PriceTable

PRICES = PriceTable({"paid": Price(input=1000.0, output=2000.0), "dear": Price(input=4000.0, output=8000.0)})
ONE = """
metadata: {name: one}
steps:
  only: {name: Only, prompt_template: "Write it.", model_preference: [paid, dear], response_count: 2}
"""


def world(tmp_path: Path, limit: float | None = None) -> GenerationWorld:
    scripts = {"paid": Script(chunks=("words " * 10,), usage=(100, 100)), "free": Script(chunks=("gratis",))}
    return generation_world(tmp_path, scripts, prices=PRICES, budget=Budget(limit=limit, output_guess=100))


async def test_a_generation_carries_the_estimate_of_its_cost(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    generation = await w.service.generate(view.id, models=["paid", "free"])
    await generation.wait()
    estimate = generation.estimate
    assert estimate is not None
    assert estimate.candidates == 4
    assert estimate.output_tokens == 400
    prompt_tokens = estimate.input_tokens // 4
    assert estimate.cost == pytest.approx(2 * (prompt_tokens * 1000 + 100 * 2000) / 1e6)
    assert estimate.unpriced == ("free",)


async def test_a_chain_is_estimated_at_its_dearest_model(tmp_path: Path) -> None:
    w = world(tmp_path)
    w.template("one", ONE)
    view = await w.service.start("one", {})
    generation = await w.service.generate(view.id)
    await generation.wait()
    assert generation.estimate is not None
    per_candidate = (generation.estimate.input_tokens // 2 * 4000 + 100 * 8000) / 1e6
    assert generation.estimate.cost == pytest.approx(2 * per_candidate)


async def test_a_round_past_the_budget_is_refused_with_its_estimate_and_nothing_is_stored(tmp_path: Path) -> None:
    w = world(tmp_path, limit=0.1)
    view = await w.service.start("three", {"topic": "LMDB"})
    with pytest.raises(BudgetExceededError) as raised:
        await w.service.generate(view.id, models=["paid"], feedback="shorter please")
    message = str(raised.value)
    assert "step 'angles': 2 candidate(s) would cost about $0.4" in message
    assert "only $0.1000 of this pipeline's $0.10 budget remains" in message
    assert await w.store.version(view.id) == view.version
    assert w.models.requests == []


async def test_what_a_pipeline_spent_counts_against_its_budget(tmp_path: Path) -> None:
    w = world(tmp_path, limit=1.0)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id, models=["paid"])).wait()  # spends 2 × $0.3
    spent = (await w.service.get(view.id)).totals.cost
    assert spent == pytest.approx(0.6)
    with pytest.raises(BudgetExceededError, match=r"only \$0\.4000"):
        await w.service.generate(view.id, models=["paid"])


async def test_free_models_run_whatever_the_budget(tmp_path: Path) -> None:
    w = world(tmp_path, limit=0.0)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id, models=["free"])).wait()
    assert [c.text for c in (await w.service.get(view.id)).step("angles").candidates] == ["gratis", "gratis"]
