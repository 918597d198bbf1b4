"""What only the `llm` adapter shows: options and system text reach the model, sync models' threads and
instances, keys, error translation and redaction, and which model is the default."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import httpx
import llm
import pytest

from writeit.adapters.llm import local
from writeit.adapters.llm.defaults import OFFLINE_FALLBACK, default_model_id
from writeit.adapters.llm.errors import translate_error
from writeit.adapters.llm.language_model import LlmLanguageModel
from writeit.application.errors import ModelError, ModelNotFoundError
from writeit.application.ports import ModelInfo, ModelRequest

from .language_model_contract import cancel_after_first_chunk, complete
from .test_language_models import MARKOV_TEXT


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LlmLanguageModel:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    monkeypatch.delenv("LLM_ECHO_NEEDS_KEY_KEY", raising=False)
    return LlmLanguageModel()


async def test_system_text_and_options_reach_the_model(model: LlmLanguageModel) -> None:
    echoed, _ = await complete(model, ModelRequest(model_id="echo", prompt="hello", system="be brief"))
    assert json.loads(echoed.text)["system"] == "be brief"
    short = ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 5, "delay": 0})
    _, chunks = await complete(model, short)
    assert len(chunks) == 5


async def test_an_error_in_a_sync_model_is_raised_as_a_model_error(model: LlmLanguageModel) -> None:
    with pytest.raises(ModelError, match="markov") as raised:
        await complete(model, ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 1}))
    assert "length" in str(raised.value)


async def test_cancelling_stops_the_worker_thread_at_the_next_chunk(model: LlmLanguageModel) -> None:
    request = ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 500})
    await cancel_after_first_chunk(model, request)
    await asyncio.to_thread(_join, _markov_threads(), timeout=1.0)
    assert not _markov_threads()


async def test_concurrent_first_calls_all_find_the_model(model: LlmLanguageModel) -> None:
    # The first lookup loads llm's plugins, which a concurrent lookup must wait for rather than miss.
    request = ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 3, "delay": 0})
    results = await asyncio.gather(*(complete(model, request) for _ in range(4)))
    assert all(len(chunks) == 3 for _, chunks in results)


async def test_calls_beyond_the_instance_limit_of_a_sync_model_wait_their_turn_and_all_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    model = LlmLanguageModel(instances=1)
    request = ModelRequest(model_id="markov", prompt=MARKOV_TEXT, options={"length": 4, "delay": 0.01})
    order: list[int] = []

    async def one(call: int) -> str:
        chunks: list[str] = []

        def on_chunk(chunk: str) -> None:
            chunks.append(chunk)
            order.append(call)

        await model.complete(request, on_chunk)
        return "".join(chunks)

    texts = await asyncio.gather(*(one(call) for call in range(3)))
    assert all(len(text.split()) == 4 for text in texts)
    # One instance streams one call at a time: each call's chunks arrive in one unbroken run.
    runs = [call for i, call in enumerate(order) if i == 0 or order[i - 1] != call]
    assert sorted(runs) == [0, 1, 2]


def test_models_reports_whether_a_key_is_set(model: LlmLanguageModel, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _info(model, "echo-needs-key").has_key is False
    monkeypatch.setenv("LLM_ECHO_NEEDS_KEY_KEY", "sekrit")
    assert _info(model, "echo-needs-key").has_key is True
    assert _info(model, "markov").needs_key is None


def test_resolve_of_an_unknown_id_names_it(model: LlmLanguageModel) -> None:
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
        (StatusError(408), True),
        (httpx.ConnectError("refused"), True),
        (httpx.RemoteProtocolError("peer closed connection"), True),
        (httpx.ReadTimeout("late"), True),
        (TimeoutError(), True),
        (StatusError(400), False),
        (StatusError(401), False),
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


def test_the_configured_default_model_wins(model: LlmLanguageModel) -> None:
    assert default_model_id("echo") == "echo"


def test_with_no_key_the_default_is_offline(model: LlmLanguageModel) -> None:
    # llm's own default (an OpenAI model) needs an OpenAI key: the bundled SmolLM2 answers when installed.
    expected = local.MODEL_ID if local.available() else OFFLINE_FALLBACK
    assert default_model_id(None) == expected


def test_llm_s_default_model_is_the_default_once_its_key_is_set(tmp_path: Path, model: LlmLanguageModel) -> None:
    (tmp_path / "keys.json").write_text(json.dumps({"openai": "sk-test"}))
    assert default_model_id(None) == llm.get_default_model()  # type: ignore[no-untyped-call]
    (tmp_path / "default_model.txt").write_text("markov")
    assert default_model_id(None) == "markov"


def _markov_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "writeit-llm-markov"]


def _join(threads: list[threading.Thread], timeout: float) -> None:
    for thread in threads:
        thread.join(timeout)


def _info(model: LlmLanguageModel, model_id: str) -> ModelInfo:
    return next(info for info in model.models() if info.model_id == model_id)
