"""The state the Pipeline aggregate rebuilds from its events: branches, steps and candidates."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CandidateStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class CandidateOrigin(StrEnum):
    GENERATED = "generated"
    EDITED = "edited"
    MERGED = "merged"


class StepStatus(StrEnum):
    PENDING = "pending"
    GENERATING = "generating"
    READY = "ready"
    SELECTED = "selected"


@dataclass(frozen=True, slots=True)
class Attempt:
    """A try of `model` that failed for a reason worth retrying; `attempt` counts the tries of that model (1: the
    first)."""

    model: str
    attempt: int
    reason: str


@dataclass(frozen=True, slots=True)
class Fallback:
    """`from_model` failed for good (`reason`), so the candidate asked `to_model`, the next of its chain."""

    from_model: str
    to_model: str
    reason: str


@dataclass(slots=True)
class Candidate:
    """One answer of a step. `asked_model` is the model its round asked; `answered_model` the one whose answer
    (or last failure) ended it, which differs after a fallback; both stay, so nothing is lost to display."""

    id: str
    step: str
    branch: str
    asked_model: str
    generation: int
    status: CandidateStatus = CandidateStatus.PENDING
    origin: CandidateOrigin = CandidateOrigin.GENERATED
    sources: tuple[str, ...] = ()
    answered_model: str = ""
    text: str = ""
    prompt: str = ""
    system: str = ""
    error: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    duration_ms: int = 0
    cached: bool = False
    instruction: str = ""
    session: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    created_at: str = ""
    seed: int | None = None
    extraction_id: str = ""  # a guided merge: the extraction and the ticked points (ids, in order) it used
    points: tuple[str, ...] = ()
    recipe: str = ""
    streaming_sources: tuple[str, ...] = ()  # merged while still generating: their text as it was then
    against: str = ""  # an edit made from tracked changes: the text the revision was compared with
    changes: tuple[dict[str, object], ...] = ()

    @property
    def model(self) -> str:
        """The model that answered; while none has, the one asked now (the last fallen back to, or the first)."""
        if self.answered_model:
            return self.answered_model
        return self.fallbacks[-1].to_model if self.fallbacks else self.asked_model

    @property
    def usable(self) -> bool:
        """Whether the writer can select, edit or merge it: finished with text."""
        return self.status is CandidateStatus.COMPLETED or (
            self.status in (CandidateStatus.CANCELLED, CandidateStatus.INTERRUPTED) and bool(self.text)
        )


@dataclass(frozen=True, slots=True)
class Point:
    """One distinct point a model found in some candidates (`sources`: their ids)."""

    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(slots=True)
class Extraction:
    """A guided merge under way: the points found in `source_ids`, and those the writer chose, in order."""

    id: str
    step: str
    branch: str
    source_ids: tuple[str, ...]
    points: tuple[Point, ...] = ()
    model: str = ""
    error: str = ""
    answer: str = ""
    chosen: tuple[str, ...] = ()
    streaming_sources: tuple[str, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    duration_ms: int = 0
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class Judged:
    """A judge model's scores of a step's candidates (one dict per candidate and criterion), with its cost."""

    step: str
    branch: str
    model: str
    criteria: tuple[str, ...]
    scores: tuple[dict[str, object], ...] = ()
    error: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    cached: bool = False
    created_at: str = ""


@dataclass(slots=True)
class Feedback:
    """The writer's feedback on a step and the rounds (generations) whose prompts carried it.

    It is pending until `settled`: a model answered it (a candidate of one of its rounds, or of a later one,
    completed) or the writer chose (selected, edited or merged) on the step. Every round of the step carries the
    feedback pending when it starts.
    """

    text: str
    rounds: list[int] = field(default_factory=list)
    settled: bool = False

    @property
    def round(self) -> int | None:
        """The first round that carried it (None: no round yet)."""
        return self.rounds[0] if self.rounds else None

    def copy(self) -> Feedback:
        return Feedback(self.text, list(self.rounds), self.settled)


@dataclass(slots=True)
class StepState:
    key: str
    candidate_ids: list[str] = field(default_factory=list)
    selected: str | None = None
    given: list[Feedback] = field(default_factory=list)  # every feedback on the step, in the order given
    stale: bool = False
    generation: int = 0

    @property
    def fresh(self) -> bool:
        """A selection the later steps can build on: one is selected, and it is not stale."""
        return self.selected is not None and not self.stale

    @property
    def feedback(self) -> list[str]:
        """The texts of every feedback given on the step, in order."""
        return [f.text for f in self.given]

    @property
    def pending_feedback(self) -> list[Feedback]:
        """The feedback no model has answered and no choice of the writer has overtaken: the next round's."""
        return [f for f in self.given if not f.settled]

    def carried_by(self, generation: int) -> tuple[str, ...]:
        """The feedback texts that round `generation`'s prompt carried."""
        return tuple(f.text for f in self.given if generation in f.rounds)

    @property
    def round_feedback(self) -> dict[int, tuple[str, ...]]:
        """What each round that carried any feedback carried, by generation."""
        rounds = sorted({g for f in self.given for g in f.rounds})
        return {g: self.carried_by(g) for g in rounds}

    def copy(self, *, keep_selection: bool = True) -> StepState:
        """The step as a fork sees it: the same (keep_selection), or its candidates alone, to choose afresh."""
        if not keep_selection:
            return StepState(self.key, list(self.candidate_ids), generation=self.generation)
        given = [f.copy() for f in self.given]
        return StepState(self.key, list(self.candidate_ids), self.selected, given, self.stale, self.generation)


@dataclass(slots=True)
class Branch:
    name: str
    steps: dict[str, StepState]
    parent: str | None = None
    fork_step: str | None = None
    created_at: str = ""

    @property
    def completed(self) -> bool:
        """Complete when every step has a selection and none is stale (the one notion of completion)."""
        return all(s.selected is not None and not s.stale for s in self.steps.values())
