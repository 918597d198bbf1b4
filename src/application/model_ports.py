"""The model ports: a language model, the response cache and the completion log, stated as Protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRequest:
    model_id: str
    prompt: str
    system: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None  # for a model that takes one; never part of the recording's key (the sample is)


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """A model's full answer. Token counts are None when the model reports no usage."""

    model_id: str
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    model_id: str
    aliases: tuple[str, ...] = ()
    needs_key: str | None = None
    has_key: bool = True


ChunkCallback = Callable[[str], None]


class LanguageModel(Protocol):
    """Text generation by model id (an `llm` id or alias)."""

    async def complete(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        """Stream the answer, calling `on_chunk` with each piece of text as it arrives, and return it whole.

        Cancelling the awaiting task stops the generation promptly. Raises ModelNotFoundError for an unknown
        id, ModelKeyMissingError when a key is needed, ModelError (with `transient`) for other failures;
        the message always names the model id.
        """
        ...

    def resolve(self, model_id: str) -> str:
        """The canonical id of `model_id` (an id or alias); raises ModelNotFoundError."""
        ...

    def models(self) -> list[ModelInfo]:
        """Every model available, with whether its key is set."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletedCandidate:
    """A candidate's answer as another log keeps it: which pipeline, step and candidate, and what was said."""

    pipeline_id: str
    step: str
    candidate_id: str
    model: str
    prompt: str
    system: str
    text: str
    input_tokens: int
    output_tokens: int
    duration_ms: int
    at: str


class CompletionLog(Protocol):
    """Somewhere else completed candidates are written (llm's logs database), besides our own events."""

    async def record(self, completed: CompletedCandidate) -> None:
        """Write one completed candidate; raises whatever the log's storage raised (the caller only logs it)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedResponse:
    """A model's answer as recorded for reuse: its text and the usage it reported (None when it reported none)."""

    model_id: str
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


class ResponseCache(Protocol):
    """Recorded model answers by key (a digest of model, prompt, system, options and sample: see cache.py)."""

    async def get(self, key: str) -> RecordedResponse | None:
        """The answer recorded under `key`, or None. Raises StoreError when the storage fails."""
        ...

    async def put(self, key: str, response: RecordedResponse) -> None:
        """Record `response` under `key`, replacing an earlier one. Raises StoreError when the storage fails."""
        ...
