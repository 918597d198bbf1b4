"""The preflight of a start: what can refuse a pipeline is found before its first event is stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from tests.template_texts import LATER_STEP
from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import ScriptedLanguageModel
from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.application.budget import Budget, BudgetExceededError
from writeit.application.cache import CacheMode, ResponseRecorder
from writeit.application.errors import ModelError
from writeit.application.ports import ModelInfo
from writeit.application.preflight import Preflight
from writeit.application.usage import Price, PriceTable


def catalog(root: Path, writer: str = "echo", field: str = "") -> FileTemplateCatalog:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "two.yaml").write_text(LATER_STEP.format(name="two", writer=writer, field=field))
    return FileTemplateCatalog([("workspace", root / "templates")])


class Parts(TypedDict, total=False):
    """What a test gives the preflight beside its catalog: Preflight's keyword arguments."""

    infos: Callable[[], list[ModelInfo]]
    prices: PriceTable
    budget: Budget
    recorder: ResponseRecorder


def preflight(cat: FileTemplateCatalog, **parts: Unpack[Parts]) -> Preflight:
    models = ScriptedLanguageModel(echo=("echo", "paid"))
    return Preflight(cat, models.resolve, lambda: "echo", **parts)


async def test_a_later_steps_model_rendered_from_defaults_is_checked(tmp_path: Path) -> None:
    cat = catalog(tmp_path, writer="nowhere", field='model_preference: "{{ defaults.writer }}"')
    with pytest.raises(ModelError, match=r"step 'two': model 'nowhere': unknown model"):
        await preflight(cat).check(cat.get("two"), {"topic": "x"}, [])


async def test_a_chain_with_one_model_that_answers_here_passes(tmp_path: Path) -> None:
    cat = catalog(tmp_path, field="model_preference: [not-installed, echo]")
    assert await preflight(cat).check(cat.get("two"), {"topic": "x"}, []) == []


async def test_a_model_whose_key_is_not_set_is_refused_naming_the_key(tmp_path: Path) -> None:
    cat = catalog(tmp_path, field="model_preference: paid")
    infos = [ModelInfo(model_id="paid", needs_key="openai", has_key=False), ModelInfo(model_id="echo")]
    with pytest.raises(ModelError, match=r"step 'two': model 'paid': needs an API key.*llm keys set openai"):
        await preflight(cat, infos=lambda: infos).check(cat.get("two"), {"topic": "x"}, [])


async def test_the_first_steps_budget_and_recordings_are_checked(tmp_path: Path) -> None:
    cat = catalog(tmp_path)
    prices = PriceTable({"echo": Price(input=1000.0, output=1000.0)})
    with pytest.raises(BudgetExceededError, match="step 'one'"):
        await preflight(cat, prices=prices, budget=Budget(limit=0.01)).check(cat.get("two"), {"topic": "x"}, [])
    replay = ResponseRecorder(None, CacheMode.REPLAY)
    with pytest.raises(ModelError, match="step 'one': model 'echo': no recorded answer"):
        await preflight(cat, recorder=replay).check(cat.get("two"), {"topic": "x"}, [])


async def test_the_service_stores_nothing_when_the_preflight_refuses(tmp_path: Path) -> None:
    w = world(tmp_path)
    (tmp_path / "templates" / "two.yaml").write_text(
        LATER_STEP.format(name="two", writer="echo", field="models: [echo, gone]")
    )
    with pytest.raises(ModelError, match="step 'two': model 'gone'"):
        await w.service.start("two", {"topic": "x"})
    assert await w.store.pipeline_ids() == []
