"""LlmLanguageModel: the LanguageModel port over `llm`, streaming async models directly and sync ones from a thread."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import llm
from pydantic import ValidationError

from writeit.application.errors import ModelError, ModelKeyMissingError, ModelNotFoundError
from writeit.application.ports import ChunkCallback, Completion, ModelInfo, ModelRequest

# Class names rather than imports: provider SDKs (openai, anthropic, httpx) are optional plugin dependencies.
_TRANSIENT_TYPES = frozenset(
    {
        "RateLimitError",
        "APIConnectionError",
        "APITimeoutError",
        "InternalServerError",
        "TransportError",  # httpx's, which covers its timeouts and network errors
        "TimeoutError",
        "ConnectionError",
    }
)
_KEY_LIKE = re.compile(r"\b(?:sk|pk|rk|gsk|xai|hf|key|api)[-_][\w\-*.]{8,}|[\w\-]{32,}", re.IGNORECASE)
_MAX_MESSAGE = 200

Outcome = tuple[str, llm.Usage]


@dataclass(frozen=True, slots=True)
class _Found:
    model: Any  # llm's Model, KeyModel, AsyncModel or AsyncKeyModel: they share no public base class
    is_async: bool


class LlmLanguageModel:
    """Answers with any model `llm` knows (plugins, aliases, keys); `Completion.model_id` is the id as requested."""

    def __init__(self) -> None:
        # llm runs its plugin hook on every lookup, so each id is looked up once per adapter.
        self._found: dict[str, _Found] = {}

    async def complete(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        found = self._found.get(request.model_id)
        if found is None:  # the first lookup loads the plugins, which can take a while: keep it off the loop
            found = await asyncio.to_thread(self._lookup, request.model_id)
        translate = partial(_translate_for, request.model_id, found.model)
        start = partial(found.model.prompt, request.prompt, **_prompt_kwargs(request))
        if found.is_async:
            text, usage = await _complete_async(start, on_chunk, translate)
        else:
            text, usage = await _ThreadedStream(request.model_id, on_chunk, translate).run(start)
        return Completion(model_id=request.model_id, text=text, input_tokens=usage.input, output_tokens=usage.output)

    def resolve(self, model_id: str) -> str:
        return str(self._lookup(model_id).model.model_id)

    def models(self) -> list[ModelInfo]:
        return [_info(found.model or found.async_model, found.aliases) for found in llm.get_models_with_aliases()]

    def _lookup(self, model_id: str) -> _Found:
        found = self._found.get(model_id)
        if found is None:
            found = self._found[model_id] = _load(model_id)
        return found


def translate_error(model_id: str, exc: Exception, secret: str | None = None) -> ModelError:
    """The port error for a failure in `llm` or a provider: it names the model, never shows a key."""
    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, llm.UnknownModelError):
        return ModelNotFoundError(model_id)
    if isinstance(exc, llm.NeedsKeyException):
        return ModelKeyMissingError(model_id)
    return ModelError(model_id, _describe(exc, secret), transient=is_transient(exc))


def is_transient(exc: BaseException) -> bool:
    """Whether retrying may help: rate limits, server errors, timeouts and dropped connections."""
    if any(cls.__name__ in _TRANSIENT_TYPES for cls in type(exc).__mro__):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def _describe(exc: Exception, secret: str | None) -> str:
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return f"invalid options ({problems})"
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    if secret:
        text = text.replace(secret, "[key]")
    # Redact before truncating, so that no fragment of a key survives the cut.
    return _KEY_LIKE.sub("[key]", text)[:_MAX_MESSAGE]


def _load(model_id: str) -> _Found:
    try:
        return _Found(llm.get_async_model(model_id), is_async=True)
    except llm.UnknownModelError:
        pass  # sync-only models (markov, SmolLM2) have no async version
    try:
        return _Found(llm.get_model(model_id), is_async=False)
    except llm.UnknownModelError:
        raise ModelNotFoundError(model_id) from None


def _prompt_kwargs(request: ModelRequest) -> dict[str, Any]:
    kwargs = dict(request.options)
    if request.system:
        kwargs["system"] = request.system
    return kwargs


def _translate_for(model_id: str, model: Any, exc: Exception) -> ModelError:
    try:
        key = model.get_key()
    except Exception:  # no key to hide, or none readable: the pattern-based redaction still applies
        key = None
    return translate_error(model_id, exc, key if isinstance(key, str) else None)


def _info(model: Any, aliases: Any) -> ModelInfo:
    needs_key = getattr(model, "needs_key", None)
    has_key = needs_key is None or llm.get_key(alias=needs_key, env=getattr(model, "key_env_var", None)) is not None
    return ModelInfo(model_id=model.model_id, aliases=tuple(aliases), needs_key=needs_key, has_key=has_key)


@contextmanager
def _translated(translate: Callable[[Exception], ModelError]) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        raise translate(exc) from exc


async def _complete_async(
    start: Callable[[], Any], on_chunk: ChunkCallback, translate: Callable[[Exception], ModelError]
) -> Outcome:
    with _translated(translate):
        response = start()
    parts: list[str] = []
    async with aclosing(_chunks(response, translate)) as chunks:
        async for chunk in chunks:
            parts.append(chunk)
            on_chunk(chunk)  # outside the translation: a failing callback is the caller's error, not the model's
    with _translated(translate):
        usage = await response.usage()
    return "".join(parts), usage


async def _chunks(response: Any, translate: Callable[[Exception], ModelError]) -> AsyncGenerator[str, None]:
    with _translated(translate):
        async for chunk in response:
            yield chunk


class _ThreadedStream:
    """Runs one sync `llm` response in a thread, handing each chunk to `on_chunk` on the event loop's thread."""

    def __init__(self, model_id: str, on_chunk: ChunkCallback, translate: Callable[[Exception], ModelError]) -> None:
        self._model_id = model_id
        self._on_chunk = on_chunk
        self._translate = translate
        self._loop = asyncio.get_running_loop()
        self._stopped = threading.Event()
        self._outcome: asyncio.Future[Outcome] = self._loop.create_future()

    async def run(self, start: Callable[[], Any]) -> Outcome:
        # A daemon thread of its own rather than the default executor: a cancelled generation keeps its thread
        # until the next chunk, and must neither hold a pool slot others wait for nor delay the loop's shutdown.
        name = f"writeit-llm-{self._model_id}"
        threading.Thread(target=self._work, args=(start,), name=name, daemon=True).start()
        try:
            return await self._outcome
        finally:
            self._stopped.set()

    def _work(self, start: Callable[[], Any]) -> None:
        try:
            response = start()
            parts: list[str] = []
            for chunk in response:
                if self._stopped.is_set():
                    return
                parts.append(chunk)
                self._post(self._deliver, chunk)
            outcome: Outcome = ("".join(parts), response.usage())
        except Exception as exc:
            self._post(self._settle, self._translate(exc))
        else:
            self._post(self._settle, outcome)

    def _post(self, callback: Callable[[Any], None], arg: object) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, arg)
        except RuntimeError:  # the loop has closed: nobody is listening any more
            self._stopped.set()

    def _deliver(self, chunk: str) -> None:
        if self._outcome.done():  # cancelled or failed: chunks still queued must not reach the caller
            return
        try:
            self._on_chunk(chunk)
        except Exception as exc:
            self._stopped.set()
            self._outcome.set_exception(exc)

    def _settle(self, outcome: Outcome | ModelError) -> None:
        if self._outcome.done():
            return
        if isinstance(outcome, ModelError):
            self._outcome.set_exception(outcome)
        else:
            self._outcome.set_result(outcome)
