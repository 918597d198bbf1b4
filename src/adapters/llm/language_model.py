"""LlmLanguageModel: the LanguageModel port over `llm`, its plugins, aliases and key store."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

from writeit.adapters.llm.clients import adapt_clients
from writeit.adapters.llm.errors import translate_error, translator_for
from writeit.adapters.llm.pool import InstancePool
from writeit.adapters.llm.streams import ThreadedStream, complete_async
from writeit.application.errors import ModelNotFoundError
from writeit.application.ports import ChunkCallback, Completion, ModelInfo, ModelRequest

__all__ = ["LlmLanguageModel", "translate_error"]


@dataclass(frozen=True, slots=True)
class _Found:
    model: Any  # llm's Model, KeyModel, AsyncModel or AsyncKeyModel: they share no public base class
    pool: InstancePool | None  # sync models only: their instances, one per concurrent call


class LlmLanguageModel:
    """Answers with any model `llm` knows (plugins, aliases, keys); `Completion.model_id` is the id as requested.

    Provider SDK clients are adapted (clients.py): they never retry silently, and are shared per event loop.
    `llm` is imported on the first lookup, not with this module: the TUI's picker never needs it (~20 MB).
    """

    def __init__(self, *, instances: int = 2) -> None:
        """`instances`: how many calls of one sync (local) model may run at once, each on its own instance."""
        self._instances = instances
        # llm runs its plugin hook on every lookup, so each id is looked up once per adapter.
        self._found: dict[str, _Found] = {}
        # llm loads its plugins on the first lookup and is not thread-safe meanwhile: a concurrent lookup
        # would find no plugins yet and call a model unknown.
        self._lookups = threading.Lock()

    async def complete(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        found = self._found.get(request.model_id)
        if found is None:  # the first lookup loads the plugins, which can take a while: keep it off the loop
            found = await asyncio.to_thread(self._lookup, request.model_id)
        translate = translator_for(request.model_id, found.model)
        kwargs = _prompt_kwargs(request, found.model)
        if found.pool is None:
            start = partial(found.model.prompt, request.prompt, **kwargs)
            text, usage = await complete_async(start, on_chunk, translate)
        else:
            stream = ThreadedStream(request.model_id, found.pool, on_chunk, translate)
            text, usage = await stream.run(lambda model: model.prompt(request.prompt, **kwargs))
        return Completion(model_id=request.model_id, text=text, input_tokens=usage.input, output_tokens=usage.output)

    def resolve(self, model_id: str) -> str:
        return str(self._lookup(model_id).model.model_id)

    def models(self) -> list[ModelInfo]:
        import llm

        with self._lookups:
            listed = llm.get_models_with_aliases()
        return [_info(found.model or found.async_model, found.aliases) for found in listed]

    def _lookup(self, model_id: str) -> _Found:
        with self._lookups:
            found = self._found.get(model_id)
            if found is None:
                found = self._found[model_id] = self._load(model_id)
            return found

    def _load(self, model_id: str) -> _Found:
        import llm

        try:
            return _Found(adapt_clients(llm.get_async_model(model_id)), pool=None)
        except llm.UnknownModelError:
            pass  # sync-only models (markov, SmolLM2) have no async version
        try:
            model = adapt_clients(llm.get_model(model_id))
        except llm.UnknownModelError:
            raise ModelNotFoundError(model_id) from None
        return _Found(model, InstancePool(model, partial(self._fresh, model_id), self._instances))

    def _fresh(self, model_id: str) -> Any:
        import llm

        with self._lookups:
            return adapt_clients(llm.get_model(model_id))


def _prompt_kwargs(request: ModelRequest, model: Any) -> dict[str, Any]:
    kwargs = dict(request.options)
    if request.system:
        kwargs["system"] = request.system
    # The request's seed goes to a model whose options take one (OpenAI's, SmolLM2-2k), unless the template
    # names a seed of its own; the others (echo, markov) have none, and llm would refuse an unknown option.
    options = getattr(model, "Options", None)
    if request.seed is not None and "seed" not in kwargs and "seed" in getattr(options, "model_fields", {}):
        kwargs["seed"] = request.seed
    return kwargs


def _info(model: Any, aliases: Any) -> ModelInfo:
    import llm

    needs_key = getattr(model, "needs_key", None)
    has_key = needs_key is None or llm.get_key(alias=needs_key, env=getattr(model, "key_env_var", None)) is not None
    return ModelInfo(model_id=model.model_id, aliases=tuple(aliases), needs_key=needs_key, has_key=has_key)
