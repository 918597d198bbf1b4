"""The events of the writer's choices: selections, edits, merges, feedback, branches, judgements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from writeit.domain.event_base import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateSelected(Event):
    branch: str
    step: str
    candidate_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateEdited(Event):
    """The writer rewrote a candidate by hand; the edit is a new candidate, the source is kept."""

    branch: str
    step: str
    source_id: str
    candidate_id: str
    text: str
    # Tracked changes: the edit applies the writer's decisions on a revision's word-level changes against
    # `against` (the text it revised); each change {"n", "before", "after", "accepted", "from"}.
    against: str = ""
    changes: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidatesMerged(Event):
    branch: str
    step: str
    source_ids: tuple[str, ...]
    candidate_id: str
    text: str
    model: str = ""
    instruction: str = ""
    # A model's merge is accounted as any answer (none by hand, or recorded before merges were counted).
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    duration_ms: int = 0
    # A guided merge: the extraction its points came from, and the ticked point ids in the writer's order.
    extraction_id: str = ""
    points: tuple[str, ...] = ()
    recipe: str = ""  # the named merge recipe whose instruction the model followed
    streaming_ids: tuple[str, ...] = ()  # sources still generating, merged with the text they had then


@dataclass(frozen=True, slots=True, kw_only=True)
class PointsExtracted(Event):
    """A model listed the distinct points of some candidates (a guided merge's first call). Each point is
    `{"id", "text", "sources"}` (the candidate ids it came from). A non-empty `error`: its answer (kept in
    `answer`) could not be read as points, and there is nothing to choose from."""

    branch: str
    step: str
    extraction_id: str
    source_ids: tuple[str, ...]
    points: tuple[Mapping[str, Any], ...] = ()
    model: str = ""
    answer: str = ""
    error: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    duration_ms: int = 0
    streaming_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PointsChosen(Event):
    """The writer ticked these points of an extraction, in the order the merge should follow."""

    branch: str
    step: str
    extraction_id: str
    point_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackGiven(Event):
    branch: str
    step: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StepMarkedStale(Event):
    branch: str
    step: str
    because: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StaleStepKept(Event):
    branch: str
    step: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchForked(Event):
    branch: str
    parent: str
    from_step: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchSwitched(Event):
    branch: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineCompleted(Event):
    branch: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidatesJudged(Event):
    """A judge model scored a step's candidates on `criteria`: `scores` holds one `{"candidate_id", "criterion",
    "score", "reason"}` per candidate and criterion (score 1 to 10). It never selects. `error` says why an
    answer gave no scores (the call was still made, and paid for)."""

    branch: str
    step: str
    model: str
    criteria: tuple[str, ...]
    scores: tuple[Mapping[str, Any], ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    cached: bool = False
    error: str = ""
