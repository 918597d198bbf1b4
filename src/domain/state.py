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


@dataclass(slots=True)
class Candidate:
    id: str
    step: str
    branch: str
    model: str
    generation: int
    status: CandidateStatus = CandidateStatus.PENDING
    origin: CandidateOrigin = CandidateOrigin.GENERATED
    sources: tuple[str, ...] = ()
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
    attempts: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    created_at: str = ""
    seed: int | None = None

    @property
    def usable(self) -> bool:
        """Whether the writer can select, edit or merge it: finished with text."""
        return self.status is CandidateStatus.COMPLETED or (
            self.status in (CandidateStatus.CANCELLED, CandidateStatus.INTERRUPTED) and bool(self.text)
        )


@dataclass(slots=True)
class PendingFeedback:
    """Feedback not answered yet: it goes into every round of its step until one completes a candidate, or the
    writer selects one (or edits, or merges). `round` is the first round (generation) that carried it."""

    text: str
    round: int | None = None


@dataclass(slots=True)
class StepState:
    key: str
    candidate_ids: list[str] = field(default_factory=list)
    selected: str | None = None
    feedback: list[str] = field(default_factory=list)
    pending_feedback: list[PendingFeedback] = field(default_factory=list)
    round_feedback: dict[int, tuple[str, ...]] = field(default_factory=dict)  # what each round's prompt carried
    stale: bool = False
    generation: int = 0

    def copy(self, *, keep_selection: bool = True) -> StepState:
        return StepState(
            key=self.key,
            candidate_ids=list(self.candidate_ids),
            selected=self.selected if keep_selection else None,
            feedback=list(self.feedback) if keep_selection else [],
            pending_feedback=[PendingFeedback(f.text, f.round) for f in self.pending_feedback]
            if keep_selection
            else [],
            round_feedback=dict(self.round_feedback) if keep_selection else {},
            stale=self.stale if keep_selection else False,
            generation=self.generation,
        )


@dataclass(slots=True)
class Branch:
    name: str
    steps: dict[str, StepState]
    parent: str | None = None
    fork_step: str | None = None
    completed: bool = False
    created_at: str = ""
