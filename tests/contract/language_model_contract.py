"""The LanguageModel contract: the scripted fake and the `llm` adapter (echo, markov, an OpenAI-compatible
server) must behave alike: streaming, cancelling, usage, and which port error each failure becomes."""

from __future__ import annotations

import abc
import asyncio
import threading
import time

import pytest

from writeit.application.errors import ModelError, ModelKeyMissingError, ModelNotFoundError
from writeit.application.ports import Completion, LanguageModel, ModelRequest

UNKNOWN_ID = "no-such-model-7f3a"


async def complete(model: LanguageModel, request: ModelRequest) -> tuple[Completion, list[str]]:
    chunks: list[str] = []
    completion = await model.complete(request, chunks.append)
    return completion, chunks


class LanguageModelContract(abc.ABC):
    """Any model: chunks join to the answer, callbacks on the loop thread, unknown ids, aliases, usage, keys,
    invalid options, cancelling."""

    @pytest.fixture
    @abc.abstractmethod
    def model(self) -> LanguageModel:
        """The adapter under test."""

    @pytest.fixture
    @abc.abstractmethod
    def model_request(self) -> ModelRequest:
        """A request the adapter answers (its model_id is the model under test)."""

    @pytest.fixture
    @abc.abstractmethod
    def reports_usage(self) -> bool:
        """Whether the model under test reports token usage."""

    @pytest.fixture
    @abc.abstractmethod
    def alias(self) -> tuple[str, str]:
        """An alias and the canonical id it stands for."""

    @pytest.fixture
    @abc.abstractmethod
    def keyless_request(self) -> ModelRequest:
        """A request to a model that needs a key which is not set."""

    @pytest.fixture
    @abc.abstractmethod
    def invalid_request(self) -> ModelRequest:
        """A request with an option its model does not take (named `bogus`)."""

    async def test_the_chunks_join_to_the_returned_text(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        completion, chunks = await complete(model, model_request)
        assert chunks
        assert completion.text
        assert "".join(chunks) == completion.text

    async def test_the_completion_names_the_requested_model(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        completion, _ = await complete(model, model_request)
        assert completion.model_id == model_request.model_id

    async def test_on_chunk_runs_on_the_event_loop_thread(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        threads: set[int] = set()
        await model.complete(model_request, lambda _chunk: threads.add(threading.get_ident()))
        assert threads == {threading.get_ident()}

    async def test_an_unknown_model_raises_model_not_found_naming_the_id(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        request = ModelRequest(model_id=UNKNOWN_ID, prompt=model_request.prompt)
        with pytest.raises(ModelNotFoundError, match=UNKNOWN_ID) as raised:
            await complete(model, request)
        assert raised.value.model_id == UNKNOWN_ID

    def test_resolve_of_an_alias_returns_the_canonical_id(self, model: LanguageModel, alias: tuple[str, str]) -> None:
        name, canonical = alias
        assert model.resolve(name) == canonical
        assert model.resolve(canonical) == canonical

    def test_resolve_of_an_unknown_id_raises_model_not_found(self, model: LanguageModel) -> None:
        with pytest.raises(ModelNotFoundError, match=UNKNOWN_ID):
            model.resolve(UNKNOWN_ID)

    async def test_usage_is_int_token_counts_or_none_as_the_model_reports(
        self, model: LanguageModel, model_request: ModelRequest, reports_usage: bool
    ) -> None:
        completion, _ = await complete(model, model_request)
        tokens = (completion.input_tokens, completion.output_tokens)
        if reports_usage:
            assert all(isinstance(count, int) and count >= 0 for count in tokens)
            assert completion.output_tokens, "a non-empty answer used some output tokens"
        else:
            assert tokens == (None, None)

    async def test_a_model_without_its_key_raises_key_missing_naming_the_model(
        self, model: LanguageModel, keyless_request: ModelRequest
    ) -> None:
        chunks: list[str] = []
        with pytest.raises(ModelKeyMissingError) as raised:
            await model.complete(keyless_request, chunks.append)
        assert raised.value.model_id == keyless_request.model_id
        assert keyless_request.model_id in str(raised.value)
        assert not raised.value.transient
        assert chunks == []

    async def test_an_option_the_model_does_not_take_is_a_permanent_error_naming_model_and_option(
        self, model: LanguageModel, invalid_request: ModelRequest
    ) -> None:
        with pytest.raises(ModelError) as raised:
            await complete(model, invalid_request)
        assert invalid_request.model_id in str(raised.value)
        assert "bogus" in str(raised.value)
        assert not raised.value.transient

    async def test_cancelling_before_any_output_sends_nothing_and_ends_at_once(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        chunks: list[str] = []
        task = asyncio.create_task(model.complete(model_request, chunks.append))
        await asyncio.sleep(0)  # let it begin
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert task in done
        assert task.cancelled()
        received = len(chunks)
        await asyncio.sleep(0.1)
        assert len(chunks) == received

    def test_models_lists_the_canonical_id_with_its_alias(self, model: LanguageModel, alias: tuple[str, str]) -> None:
        name, canonical = alias
        infos = {info.model_id: info for info in model.models()}
        assert name in infos[canonical].aliases


class TransientFailureContract(LanguageModelContract):
    """A model that can fail in ways a retry may fix: rate limits, server errors, dropped connections."""

    @pytest.fixture
    @abc.abstractmethod
    def transient_requests(self) -> list[ModelRequest]:
        """Requests that each fail transiently (every time)."""

    async def test_each_transient_failure_is_a_transient_error_naming_the_model(
        self, model: LanguageModel, transient_requests: list[ModelRequest]
    ) -> None:
        for request in transient_requests:
            with pytest.raises(ModelError) as raised:
                await complete(model, request)
            assert raised.value.transient, str(raised.value)
            assert raised.value.model_id == request.model_id
            assert request.model_id in str(raised.value)


class DeterministicLanguageModelContract(LanguageModelContract):
    """A model whose answer to `model_request` is known in advance (echo's `{"raw": ...}`)."""

    @pytest.fixture
    @abc.abstractmethod
    def expected_text(self) -> str:
        """The exact answer to `model_request`."""

    async def test_the_answer_is_the_expected_text(
        self, model: LanguageModel, model_request: ModelRequest, expected_text: str
    ) -> None:
        completion, chunks = await complete(model, model_request)
        assert completion.text == expected_text
        assert "".join(chunks) == expected_text


class StreamingLanguageModelContract(LanguageModelContract):
    """A model that streams `model_request` slowly, in many chunks (markov: a word per 20 ms)."""

    async def test_a_streaming_model_sends_more_than_one_chunk(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        completion, chunks = await complete(model, model_request)
        assert len(chunks) > 1
        assert "".join(chunks) == completion.text

    async def test_cancelling_mid_stream_stops_promptly_after_some_chunks(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        task, chunks, latency = await cancel_after_first_chunk(model, model_request)
        assert task.cancelled()
        assert latency < 1.0
        assert len(chunks) >= 1

    async def test_no_chunk_arrives_after_the_task_is_cancelled(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        _, chunks, _ = await cancel_after_first_chunk(model, model_request)
        received = len(chunks)
        await asyncio.sleep(0.2)  # ten markov words' time
        assert len(chunks) == received

    async def test_two_concurrent_completes_run_in_parallel(
        self, model: LanguageModel, model_request: ModelRequest
    ) -> None:
        await complete(model, model_request)  # plugin loading and model lookup are not what is measured
        started = time.monotonic()
        await complete(model, model_request)
        alone = time.monotonic() - started
        started = time.monotonic()
        await asyncio.gather(complete(model, model_request), complete(model, model_request))
        together = time.monotonic() - started
        # Serial would be 2x; the bound leaves room for a loaded two-core machine.
        assert together < 1.7 * alone


async def cancel_after_first_chunk(
    model: LanguageModel, request: ModelRequest
) -> tuple[asyncio.Task[Completion], list[str], float]:
    """Start a completion, cancel it once a chunk has arrived; return the task, its chunks, the seconds it took."""
    chunks: list[str] = []
    first = asyncio.Event()

    def on_chunk(chunk: str) -> None:
        chunks.append(chunk)
        first.set()

    task = asyncio.create_task(model.complete(request, on_chunk))
    await asyncio.wait_for(first.wait(), timeout=10)
    started = time.monotonic()
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    return task, chunks, time.monotonic() - started
