"""The Pipeline aggregate's state and queries, and the one path (`_record`, `apply`) by which events change it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from writeit.domain import events as ev
from writeit.domain.errors import (
    BranchMovedError,
    CandidateStateError,
    EventRefusedError,
    InvalidCommandError,
    UnknownBranchError,
    UnknownCandidateError,
    UnknownStepError,
)
from writeit.domain.state import Branch, Candidate, CandidateStatus, Extraction, Judged, StepState, StepStatus

MAIN = "main"


class PipelineCore:
    """What every Pipeline command builds on: the state replayed from events, its queries and shared guards."""

    def __init__(self, pipeline_id: str) -> None:
        self.id = pipeline_id
        self.version = 0
        self.template_name = ""
        self.template_source = ""
        self.template_text = ""
        self.step_keys: tuple[str, ...] = ()
        self.inputs: dict[str, Any] = {}
        self.models: tuple[str, ...] = ()  # chosen at start for every step; empty: each step's template models
        self.fragments: tuple[dict[str, str], ...] = ()  # {"source", "content"} of each fragment, read at start
        self.branches: dict[str, Branch] = {}
        self.current_branch = MAIN
        self.candidates: dict[str, Candidate] = {}
        self.extractions: dict[str, Extraction] = {}  # guided merges' points, by extraction id
        self.judgements: list[Judged] = []  # every judge's scores, oldest first
        self.created_at = ""
        self.updated_at = ""
        self.pending: list[ev.Event] = []

    def collect(self) -> list[ev.Event]:
        """Return the events recorded since the last collect, and forget them."""
        recorded, self.pending = self.pending, []
        return recorded

    # ----- queries ------------------------------------------------------------------------------
    @property
    def branch(self) -> Branch:
        return self.branches[self.current_branch]

    def require_branch(self, branch: str | None) -> None:
        """Refuse a command meant for `branch` when another branch is current (None: whichever is current)."""
        if branch is not None and branch != self.current_branch:
            if branch not in self.branches:
                raise UnknownBranchError(branch, tuple(self.branches))
            raise BranchMovedError(branch, self.current_branch)

    def step_state(self, step: str, branch: str | None = None) -> StepState:
        if step not in self.step_keys:
            raise UnknownStepError(step, self.step_keys)
        return self.branches[branch or self.current_branch].steps[step]

    def step_status(self, step: str, branch: str | None = None) -> StepStatus:
        state = self.step_state(step, branch)
        if any(self.candidates[c].status is CandidateStatus.PENDING for c in state.candidate_ids):
            return StepStatus.GENERATING
        if state.selected is not None:
            return StepStatus.SELECTED
        return StepStatus.READY if state.candidate_ids else StepStatus.PENDING

    def selected_text(self, step: str, branch: str | None = None) -> str:
        selected = self.step_state(step, branch).selected
        return self.candidates[selected].text if selected else ""

    def current_step(self, branch: str | None = None) -> str:
        """The first step that still needs the writer (unselected or stale), else the last step."""
        for key in self.step_keys:
            if not self.step_state(key, branch).fresh:
                return key
        return self.step_keys[-1]

    def is_complete(self, branch: str | None = None) -> bool:
        return self.branches[branch or self.current_branch].completed

    def pending_candidates(self) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.status is CandidateStatus.PENDING]

    def waits_for(self, step: str, branch: str | None = None) -> str | None:
        """The first earlier step without a fresh selection (none selected, or stale): `step` waits for it."""
        index = self.step_keys.index(self.step_state(step, branch).key)
        return next((k for k in self.step_keys[:index] if not self.step_state(k, branch).fresh), None)

    # ----- shared guards and recording ----------------------------------------------------------
    def _usable(self, step: str, candidate_id: str) -> Candidate:
        if candidate_id not in self.step_state(step).candidate_ids:
            raise UnknownCandidateError(candidate_id, step)
        candidate = self.candidates[candidate_id]
        if not candidate.usable:
            raise CandidateStateError(f"candidate '{candidate_id}' is {candidate.status.value} and has no text to use")
        return candidate

    def _require_new_id(self, candidate_id: str) -> None:
        if not candidate_id or candidate_id in self.candidates:
            raise InvalidCommandError(f"candidate id '{candidate_id}' is already taken")

    def _mark_downstream_stale(self, step: str, now: datetime) -> None:
        for key in self.step_keys[self.step_keys.index(step) + 1 :]:
            state = self.step_state(key)
            if state.candidate_ids and not state.stale:
                self._record(ev.StepMarkedStale, now, branch=self.current_branch, step=key, because=step)

    def _announce_completion(self, was_complete: bool, now: datetime) -> None:
        """Record PipelineCompleted when a command completes the branch (followers learn it from the stream)."""
        if self.branch.completed and not was_complete:
            self._record(ev.PipelineCompleted, now, branch=self.current_branch)

    def _record(self, cls: type[ev.Event], now: datetime, **fields: Any) -> None:
        event = cls(pipeline_id=self.id, seq=self.version + 1, at=now.isoformat(), **fields)
        self.apply(event)
        self.pending.append(event)

    def apply(self, event: ev.Event) -> None:
        from writeit.domain.apply import apply_event

        if event.pipeline_id != self.id:
            raise EventRefusedError(
                f"event {event.seq} ({type(event).__name__}) belongs to pipeline {event.pipeline_id}, not {self.id}"
            )
        if event.seq != self.version + 1:
            raise EventRefusedError(f"event {event.seq} out of order after {self.version} in pipeline {self.id}")
        apply_event(self, event)
        self.version = event.seq
        self.updated_at = event.at
