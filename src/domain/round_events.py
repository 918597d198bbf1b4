"""The events of a pipeline's start and of its generation rounds: each candidate from start to outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from writeit.domain.event_base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineStarted(Event):
    """A pipeline began. `models`: the models the writer chose to answer every step, in place of the
    template's (empty: the template's). v2 added `models` (v1 records are upcast with none). `fragments`: the
    text of each `-f` fragment as read at start, `{"source": ..., "content": ...}` (a record without has none)."""

    version: ClassVar[int] = 2

    template_name: str
    template_source: str
    template_text: str
    step_keys: tuple[str, ...]
    inputs: Mapping[str, Any] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    fragments: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StepStarted(Event):
    """A generation round of a step began; one candidate per (id, model) pair, all pending.

    v2 added `session`, the process running the round (v1 records are upcast with an unknown session).
    """

    version: ClassVar[int] = 2

    branch: str
    step: str
    generation: int
    candidate_ids: tuple[str, ...]
    models: tuple[str, ...]
    prompt: str = ""
    system: str = ""
    session: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateCompleted(Event):
    candidate_id: str
    model: str
    text: str
    prompt: str = ""
    system: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    duration_ms: int = 0
    cached: bool = False
    seed: int | None = None  # this sample's seed, given to a model that takes one (None: recorded before seeds)


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateFailed(Event):
    candidate_id: str
    model: str
    error: str
    partial_text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateCancelled(Event):
    candidate_id: str
    partial_text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateInterrupted(Event):
    """The process stopped while this candidate was generating; found on reopening."""

    candidate_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateRetried(Event):
    candidate_id: str
    model: str
    attempt: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelFellBack(Event):
    candidate_id: str
    from_model: str
    to_model: str
    reason: str
