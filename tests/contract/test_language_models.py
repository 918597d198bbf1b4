"""The LanguageModel contract run against the scripted fake and llm's echo and markov, plus what only each shows."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import httpx
import pytest

from writeit.adapters.llm.language_model import LlmLanguageModel, translate_error
from writeit.adapters.memory.language_model import Script, ScriptedLanguageModel
from writeit.application.errors import ModelError, ModelKeyMissingError, ModelNotFoundError
from writeit.application.ports import ModelInfo, ModelRequest

from .language_model_contract import (
    DeterministicLanguageModelContract,
    StreamingLanguageModelContract,
    cancel_after_first_chunk,
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
    (tmp_path / "aliases.json").write_text(json.dumps({"parrot": "echo", "babbler": "markov"}))
    return tmp_path


class TestScriptedStreaming(StreamingLanguageModelContract):
    @pytest.fixture
    def model(self) -> ScriptedLanguageModel:
        words = tuple(f"word{i} " for i in range(25))
        return ScriptedLanguageModel({"slow": Script(chunks=words, delay=0.02, usage=(3, 25), aliases=("snail",))})

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="slow", prompt="anything")

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("snail", "slow")


class TestScriptedEcho(DeterministicLanguageModelContract):
    @pytest.fixture
    def model(self) -> ScriptedLanguageModel:
        return ScriptedLanguageModel({"parrot-script": Script(aliases=("parrot",))}, echo={"echo"})

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="echo", prompt=RAW_PROMPT)

    @pytest.fixture
    def expected_text(self) -> str:
        return RAW_REPLY

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("parrot", "parrot-script")


class TestLlmEcho(DeterministicLanguageModelContract):
    @pytest.fixture
    def model(self, llm_user_dir: Path) -> LlmLanguageModel:
        return LlmLanguageModel()

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="echo", prompt=RAW_PROMPT)

    @pytest.fixture
    def expected_text(self) -> str:
        return RAW_REPLY

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("parrot", "echo")


class TestLlmMarkov(StreamingLanguageModelContract):
    @pytest.fixture
    def model(self, llm_user_dir: Path) -> LlmLanguageModel:
        return LlmLanguageModel()

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 25})

    @pytest.fixture
    def reports_usage(self) -> bool:
        return False

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("babbler", "markov")


class TestLlmLanguageModel:
    @pytest.fixture
    def model(self, llm_user_dir: Path) -> LlmLanguageModel:
        return LlmLanguageModel()

    async def test_system_text_and_options_reach_the_model(self, model: LlmLanguageModel) -> None:
        echoed, _ = await complete(model, ModelRequest(model_id="echo", prompt="hello", system="be brief"))
        assert json.loads(echoed.text)["system"] == "be brief"
        short = ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 5, "delay": 0})
        _, chunks = await complete(model, short)
        assert len(chunks) == 5

    async def test_a_model_without_its_key_raises_key_missing(self, model: LlmLanguageModel) -> None:
        with pytest.raises(ModelKeyMissingError, match="echo-needs-key"):
            await complete(model, ModelRequest(model_id="echo-needs-key", prompt="hi"))

    async def test_an_invalid_option_raises_a_permanent_error_naming_model_and_option(
        self, model: LlmLanguageModel
    ) -> None:
        with pytest.raises(ModelError, match="echo") as raised:
            await complete(model, ModelRequest(model_id="echo", prompt="hi", options={"bogus": 1}))
        assert "bogus" in str(raised.value)
        assert not raised.value.transient

    async def test_an_error_in_a_sync_model_is_raised_as_a_model_error(self, model: LlmLanguageModel) -> None:
        with pytest.raises(ModelError, match="markov") as raised:
            await complete(model, ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 1}))
        assert "length" in str(raised.value)

    async def test_cancelling_stops_the_worker_thread_at_the_next_chunk(self, model: LlmLanguageModel) -> None:
        request = ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 500})
        await cancel_after_first_chunk(model, request)
        await asyncio.to_thread(_join, _markov_threads(), timeout=1.0)
        assert not _markov_threads()

    def test_models_reports_whether_a_key_is_set(
        self, model: LlmLanguageModel, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert _info(model, "echo-needs-key").has_key is False
        monkeypatch.setenv("LLM_ECHO_NEEDS_KEY_KEY", "sekrit")
        assert _info(model, "echo-needs-key").has_key is True
        assert _info(model, "markov").needs_key is None

    def test_resolve_of_an_unknown_id_names_it(self, model: LlmLanguageModel) -> None:
        with pytest.raises(ModelNotFoundError, match="nope-model"):
            model.resolve("nope-model")


class RateLimitError(Exception):
    """Named like openai's, which is how the adapter recognises it without importing openai."""


class StatusError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (RateLimitError("slow down"), True),
        (StatusError(503), True),
        (StatusError(429), True),
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("late"), True),
        (TimeoutError(), True),
        (StatusError(400), False),
        (ValueError("bad"), False),
    ],
)
def test_errors_are_transient_only_when_retrying_may_help(error: Exception, transient: bool) -> None:
    translated = translate_error("gpt-x", error)
    assert translated.transient is transient
    assert "gpt-x" in str(translated)


def test_an_error_message_never_shows_a_key() -> None:
    error = Exception("Incorrect API key provided: sk-proj-abcdefghijklmnop1234567890 and mykey42")
    message = str(translate_error("gpt-x", error, secret="mykey42"))
    assert "abcdefghijklmnop" not in message
    assert "mykey42" not in message
    assert "gpt-x" in message


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


def _markov_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "writeit-llm-markov"]


def _join(threads: list[threading.Thread], timeout: float) -> None:
    for thread in threads:
        thread.join(timeout)


def _info(model: LlmLanguageModel, model_id: str) -> ModelInfo:
    return next(info for info in model.models() if info.model_id == model_id)
