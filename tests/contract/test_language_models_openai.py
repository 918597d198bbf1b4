"""The LanguageModel contract against a real OpenAI-compatible HTTP server (llm's extra-openai-models.yaml),
plus what only real HTTP shows: exact usage, one request per failure (no silent SDK retries), a dropped
connection, a hang, cancelling that closes the connection, and a key that never shows."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.openai_server import FOREVER, Behaviour, OpenAICompatibleServer
from writeit.adapters.llm.language_model import LlmLanguageModel
from writeit.application.errors import ModelError
from writeit.application.ports import ModelRequest
from writeit.application.runner import CandidateHooks, ModelRunner, RetryPolicy

from .language_model_contract import (
    DeterministicLanguageModelContract,
    StreamingLanguageModelContract,
    TransientFailureContract,
    cancel_after_first_chunk,
    complete,
)

REPLY = " ".join(f"word{i}" for i in range(25))
BEHAVIOURS = {
    "steady": Behaviour(reply=REPLY, delay=0.01),
    "limited": Behaviour(fail_first=FOREVER, status=429),
    "busy": Behaviour(fail_first=FOREVER, status=429, retry_after="7"),
    "busy-until": Behaviour(fail_first=FOREVER, status=503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"),
    "broken": Behaviour(fail_first=FOREVER, status=500),
    "dropping": Behaviour(reply=REPLY, drops=FOREVER, drop_after=3),
    "hanging": Behaviour(hang=True),
    "guarded": Behaviour(fail_first=FOREVER, status=401),
    "long": Behaviour(reply=" ".join(f"w{i}" for i in range(400)), delay=0.01),
}
MODELS = {f"srv-{name}": name for name in BEHAVIOURS}


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAICompatibleServer]:
    """The server, registered in a fresh llm user dir; `srv-keyed` needs the key `test-provider`, not set."""
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    with OpenAICompatibleServer(dict(BEHAVIOURS)) as running:
        running.register(tmp_path, MODELS, aliases={"srv-steady": "steady-alias"})
        running.register(tmp_path, {"srv-keyed": "steady", "srv-guarded": "guarded"}, api_key_name="test-provider")
        yield running


class TestOpenAICompatible(
    DeterministicLanguageModelContract, StreamingLanguageModelContract, TransientFailureContract
):
    @pytest.fixture
    def model(self, server: OpenAICompatibleServer) -> LlmLanguageModel:
        return LlmLanguageModel()

    @pytest.fixture
    def model_request(self) -> ModelRequest:
        return ModelRequest(model_id="srv-steady", prompt="Say the words.")

    @pytest.fixture
    def expected_text(self) -> str:
        return REPLY

    @pytest.fixture
    def keyless_request(self) -> ModelRequest:
        return ModelRequest(model_id="srv-keyed", prompt="hi")

    @pytest.fixture
    def invalid_request(self) -> ModelRequest:
        return ModelRequest(model_id="srv-steady", prompt="hi", options={"bogus": 1})

    @pytest.fixture
    def transient_requests(self) -> list[ModelRequest]:
        return [ModelRequest(model_id=m, prompt="hi") for m in ("srv-limited", "srv-broken", "srv-dropping")]

    @pytest.fixture
    def reports_usage(self) -> bool:
        return True

    @pytest.fixture
    def alias(self) -> tuple[str, str]:
        return ("steady-alias", "srv-steady")


@pytest.fixture
def model(server: OpenAICompatibleServer) -> LlmLanguageModel:
    return LlmLanguageModel()


async def test_usage_is_what_the_server_reported(model: LlmLanguageModel, server: OpenAICompatibleServer) -> None:
    completion, chunks = await complete(model, ModelRequest(model_id="srv-steady", prompt="one two three", system="s"))
    assert (completion.input_tokens, completion.output_tokens) == (4, 25)
    assert len(chunks) == 25
    assert server.bodies[-1]["stream"] is True


@pytest.mark.parametrize("model_id", ["srv-limited", "srv-broken"])
async def test_a_failing_status_costs_exactly_one_request(
    model: LlmLanguageModel, server: OpenAICompatibleServer, model_id: str
) -> None:
    with pytest.raises(ModelError):
        await complete(model, ModelRequest(model_id=model_id, prompt="hi"))
    assert server.requests[MODELS[model_id]] == 1, "the SDK's own retries would be silent: they are off"


async def test_the_wait_a_provider_asks_for_travels_with_its_error(model: LlmLanguageModel) -> None:
    with pytest.raises(ModelError) as seconds:
        await complete(model, ModelRequest(model_id="srv-busy", prompt="hi"))
    assert seconds.value.transient
    assert seconds.value.retry_after == 7.0
    with pytest.raises(ModelError) as date:  # a Retry-After date in the past: retry now
        await complete(model, ModelRequest(model_id="srv-busy-until", prompt="hi"))
    assert date.value.retry_after == 0.0
    with pytest.raises(ModelError) as unsaid:
        await complete(model, ModelRequest(model_id="srv-limited", prompt="hi"))
    assert unsaid.value.retry_after is None


async def test_a_dropped_connection_fails_after_the_chunks_that_arrived(model: LlmLanguageModel) -> None:
    chunks: list[str] = []
    with pytest.raises(ModelError, match="srv-dropping") as raised:
        await model.complete(ModelRequest(model_id="srv-dropping", prompt="hi"), chunks.append)
    assert raised.value.transient
    assert "".join(chunks) == "word0 word1 word2"


async def test_a_hanging_server_times_out_as_a_transient_error_and_is_retried(
    model: LlmLanguageModel, server: OpenAICompatibleServer
) -> None:
    runner = ModelRunner(model, RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.02, idle_timeout=0.5))
    retries: list[str] = []

    async def on_retry(model_id: str, attempt: int, reason: str) -> None:
        retries.append(reason)

    hooks = CandidateHooks(on_chunk=lambda _: None, on_restart=lambda: None, on_retry=on_retry, on_fallback=_never)
    with pytest.raises(ModelError, match="timed out") as raised:
        await runner.run(("srv-hanging",), ModelRequest(model_id="srv-hanging", prompt="hi"), hooks)
    assert raised.value.transient
    assert len(retries) == 1
    assert "timed out" in retries[0]
    assert server.requests["hanging"] == 2


async def test_cancelling_mid_stream_closes_the_connection(
    model: LlmLanguageModel, server: OpenAICompatibleServer
) -> None:
    task, chunks, _ = await cancel_after_first_chunk(model, ModelRequest(model_id="srv-long", prompt="hi"))
    assert task.cancelled()
    assert 0 < len(chunks) < 400
    await wait_until(lambda: server.disconnects["long"] == 1)


async def test_a_key_the_provider_rejects_never_shows_in_the_error(
    model: LlmLanguageModel, server: OpenAICompatibleServer, tmp_path: Path
) -> None:
    secret = "sk-test-0123456789abcdefghij"
    (tmp_path / "keys.json").write_text(json.dumps({"test-provider": secret}))
    with pytest.raises(ModelError, match="srv-guarded") as raised:
        await complete(model, ModelRequest(model_id="srv-guarded", prompt="hi"))
    assert "Incorrect API key" in str(raised.value)
    assert secret not in str(raised.value)
    assert "0123456789" not in str(raised.value)
    assert not raised.value.transient


async def test_a_model_answers_once_its_key_is_set_with_llm(model: LlmLanguageModel, tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text(json.dumps({"test-provider": "sk-anything-at-all"}))
    completion, _ = await complete(model, ModelRequest(model_id="srv-keyed", prompt="hi"))
    assert completion.text == REPLY


async def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def _never(*_: str) -> None:
    raise AssertionError("no fallback expected")
