"""The Pipeline aggregate: commands check the branching rules and record events; `_apply` alone changes state."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from writeit.domain import events as ev
from writeit.domain.errors import (
    BranchError,
    BranchMovedError,
    CandidateStateError,
    EventRefusedError,
    InvalidCommandError,
    StepNotReadyError,
    UnknownBranchError,
    UnknownCandidateError,
    UnknownStepError,
)
from writeit.domain.state import Branch, Candidate, CandidateStatus, StepState, StepStatus
from writeit.domain.template import PipelineTemplate

MAIN = "main"
_BRANCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateOutput:
    """What a model produced for one candidate, with its accounting."""

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


class Pipeline:
    """One writing session. Build it with `start` or `replay`; read `pending` events after each command."""

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
        self.created_at = ""
        self.updated_at = ""
        self.pending: list[ev.Event] = []

    # ----- construction -------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        pipeline_id: str,
        template: PipelineTemplate,
        inputs: Mapping[str, Any],
        now: datetime,
        models: Sequence[str] = (),
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> Pipeline:
        """A new pipeline; `models` (canonical ids), when given, answer every step in place of the template's;
        `fragments` ({"source", "content"}) are what the prompts see as `fragments`."""
        pipeline = cls(pipeline_id)
        pipeline._record(
            ev.PipelineStarted,
            now,
            template_name=template.name,
            template_source=template.source,
            template_text=template.text,
            step_keys=template.step_keys,
            inputs=dict(inputs),
            models=tuple(models),
            fragments=tuple({"source": f["source"], "content": f["content"]} for f in fragments),
        )
        return pipeline

    @classmethod
    def replay(cls, events: Iterable[ev.Event]) -> Pipeline:
        pipeline: Pipeline | None = None
        for event in events:
            if pipeline is None:
                pipeline = cls(event.pipeline_id)
            pipeline.apply(event)
        if pipeline is None:
            raise ValueError("cannot replay a pipeline from no events")
        return pipeline

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
            state = self.step_state(key, branch)
            if state.selected is None or state.stale:
                return key
        return self.step_keys[-1]

    def is_complete(self, branch: str | None = None) -> bool:
        return self.branches[branch or self.current_branch].completed

    def pending_candidates(self) -> list[Candidate]:
        return [c for c in self.candidates.values() if c.status is CandidateStatus.PENDING]

    # ----- commands: generation -----------------------------------------------------------------
    def start_step(
        self,
        step: str,
        candidates: Sequence[tuple[str, str]],
        now: datetime,
        *,
        prompt: str = "",
        system: str = "",
        session: str = "",
    ) -> None:
        """Begin a generation round of `step` on the current branch with (candidate id, model) pairs.

        `session` names the process that runs the round, so another one can tell its candidates were orphaned.
        """
        self.require_can_generate(step)
        if not candidates:
            raise InvalidCommandError("a generation needs at least one model")
        ids = tuple(cid for cid, _ in candidates)
        if len(set(ids)) != len(ids) or any(cid in self.candidates for cid in ids):
            raise InvalidCommandError("candidate ids must be new and unique")
        self._record(
            ev.StepStarted,
            now,
            branch=self.current_branch,
            step=step,
            generation=self.step_state(step).generation + 1,
            candidate_ids=ids,
            models=tuple(model for _, model in candidates),
            prompt=prompt,
            system=system,
            session=session,
        )

    def require_can_generate(self, step: str) -> None:
        """Raise unless every earlier step has a fresh selection and this step is not already running."""
        index = self.step_keys.index(self.step_state(step).key)
        for key in self.step_keys[:index]:
            earlier = self.step_state(key)
            if earlier.selected is None:
                raise StepNotReadyError(f"step '{key}' has no selection yet; select a candidate there first")
            if earlier.stale:
                raise StepNotReadyError(f"step '{key}' is stale; regenerate it or keep it first")
        if self.step_status(step) is StepStatus.GENERATING:
            raise StepNotReadyError(f"step '{step}' is already generating; wait for it or cancel it")

    def complete_candidate(self, candidate_id: str, output: CandidateOutput, now: datetime) -> None:
        self._pending_candidate(candidate_id)
        self._record(
            ev.CandidateCompleted,
            now,
            candidate_id=candidate_id,
            model=output.model,
            text=output.text,
            prompt=output.prompt,
            system=output.system,
            input_tokens=output.input_tokens,
            output_tokens=output.output_tokens,
            usage_estimated=output.usage_estimated,
            cost=output.cost,
            duration_ms=output.duration_ms,
            cached=output.cached,
        )

    def fail_candidate(self, candidate_id: str, model: str, error: str, now: datetime, partial_text: str = "") -> None:
        self._pending_candidate(candidate_id)
        self._record(
            ev.CandidateFailed, now, candidate_id=candidate_id, model=model, error=error, partial_text=partial_text
        )

    def cancel_candidate(self, candidate_id: str, now: datetime, partial_text: str = "") -> None:
        self._pending_candidate(candidate_id)
        self._record(ev.CandidateCancelled, now, candidate_id=candidate_id, partial_text=partial_text)

    def record_retry(self, candidate_id: str, model: str, attempt: int, reason: str, now: datetime) -> None:
        self._pending_candidate(candidate_id)
        self._record(ev.CandidateRetried, now, candidate_id=candidate_id, model=model, attempt=attempt, reason=reason)

    def record_fallback(self, candidate_id: str, from_model: str, to_model: str, reason: str, now: datetime) -> None:
        self._pending_candidate(candidate_id)
        self._record(
            ev.ModelFellBack, now, candidate_id=candidate_id, from_model=from_model, to_model=to_model, reason=reason
        )

    def interrupt_candidate(self, candidate_id: str, now: datetime) -> None:
        """Mark a candidate left pending by a stopped process as interrupted, so its step can run again."""
        self._pending_candidate(candidate_id)
        self._record(ev.CandidateInterrupted, now, candidate_id=candidate_id)

    def _pending_candidate(self, candidate_id: str) -> Candidate:
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            raise UnknownCandidateError(candidate_id)
        if candidate.status is not CandidateStatus.PENDING:
            raise CandidateStateError(f"candidate '{candidate_id}' is already {candidate.status.value}")
        return candidate

    # ----- commands: the writer's choices -------------------------------------------------------
    def select(self, step: str, candidate_id: str, now: datetime) -> None:
        """Select a completed candidate of `step`; later steps built on another selection become stale."""
        state = self.step_state(step)
        if candidate_id not in state.candidate_ids:
            raise UnknownCandidateError(candidate_id, step)
        candidate = self.candidates[candidate_id]
        if candidate.status is not CandidateStatus.COMPLETED:
            raise CandidateStateError(
                f"candidate '{candidate_id}' is {candidate.status.value}; only a completed candidate can be selected"
            )
        if state.selected == candidate_id and not state.stale:
            return
        changed, was_complete = state.selected != candidate_id, self.branch.completed
        self._record(ev.CandidateSelected, now, branch=self.current_branch, step=step, candidate_id=candidate_id)
        if changed:
            self._mark_downstream_stale(step, now)
        self._announce_completion(was_complete, now)

    def edit(self, step: str, candidate_id: str, new_id: str, text: str, now: datetime) -> None:
        """Record the writer's rewrite of a candidate as a new candidate, and select it."""
        self._usable(step, candidate_id)
        if not text.strip():
            raise InvalidCommandError("an edit needs some text")
        self._require_new_id(new_id)
        self._record(
            ev.CandidateEdited,
            now,
            branch=self.current_branch,
            step=step,
            source_id=candidate_id,
            candidate_id=new_id,
            text=text,
        )
        self.select(step, new_id, now)

    def merge(
        self,
        step: str,
        source_ids: Sequence[str],
        new_id: str,
        text: str,
        now: datetime,
        *,
        model: str = "",
        instruction: str = "",
    ) -> None:
        """Record a merge of several candidates (by hand or by a model) as a new candidate, and select it."""
        self.require_mergeable(step, source_ids)
        if not text.strip():
            raise InvalidCommandError("a merge needs some text")
        self._require_new_id(new_id)
        self._record(
            ev.CandidatesMerged,
            now,
            branch=self.current_branch,
            step=step,
            source_ids=tuple(source_ids),
            candidate_id=new_id,
            text=text,
            model=model,
            instruction=instruction,
        )
        self.select(step, new_id, now)

    def require_mergeable(self, step: str, source_ids: Sequence[str]) -> None:
        """Raise unless `source_ids` are two or more different usable candidates of `step` on this branch."""
        if len(set(source_ids)) < 2:
            raise InvalidCommandError("a merge needs at least two different candidates")
        for cid in source_ids:
            self._usable(step, cid)

    def judgeable(self, step: str) -> list[Candidate]:
        """The candidates of `step` on this branch a judge can score: those with text (at least one)."""
        found = [self.candidates[cid] for cid in self.step_state(step).candidate_ids if self.candidates[cid].usable]
        if not found:
            raise StepNotReadyError(f"step '{step}' has no candidate with text to judge yet")
        return found

    def record_judgement(
        self, step: str, model: str, criteria: Sequence[str], scores: Sequence[Mapping[str, Any]], now: datetime,
        **usage: Any,
    ) -> None:  # fmt: skip
        """Record a judge model's scores of `step`'s candidates (`usage`: tokens, cost, cached, error); it selects
        nothing."""
        for score in scores:
            self._usable(step, str(score["candidate_id"]))
        self._record(
            ev.CandidatesJudged, now, branch=self.current_branch, step=step, model=model, criteria=tuple(criteria),
            scores=tuple(dict(s) for s in scores), **usage,
        )  # fmt: skip

    def give_feedback(self, step: str, text: str, now: datetime) -> None:
        """Attach the writer's feedback to a step: its rounds carry it in their prompts (with any other feedback
        not answered yet) until one of them completes a candidate, or the writer selects one."""
        self.step_state(step)
        if not text.strip():
            raise InvalidCommandError("feedback cannot be empty")
        self._record(ev.FeedbackGiven, now, branch=self.current_branch, step=step, text=text)

    def keep_stale(self, step: str, now: datetime) -> None:
        """Keep a stale step's selection as it is."""
        if not self.step_state(step).stale:
            raise StepNotReadyError(f"step '{step}' is not stale")
        self._record(ev.StaleStepKept, now, branch=self.current_branch, step=step)
        self._announce_completion(False, now)  # a stale step made the branch incomplete

    def fork(self, from_step: str, name: str, now: datetime) -> None:
        """Start a branch that shares this branch's selections before `from_step` and diverges there."""
        require_branch_free(self, name)
        index = self.step_keys.index(self.step_state(from_step).key)
        for key in self.step_keys[: index + 1]:
            if self.step_status(key) is StepStatus.GENERATING:
                raise BranchError(f"step '{key}' is still generating; wait for it or cancel it before forking")
        self._record(ev.BranchForked, now, branch=name, parent=self.current_branch, from_step=from_step)
        self._record(ev.BranchSwitched, now, branch=name)

    def switch(self, branch: str, now: datetime) -> None:
        require_branch(self, branch)
        if branch == self.current_branch:
            return
        self._record(ev.BranchSwitched, now, branch=branch)

    def next_branch_name(self) -> str:
        n = len(self.branches) + 1
        while f"branch-{n}" in self.branches:
            n += 1
        return f"branch-{n}"

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


def valid_branch_name(name: str) -> bool:
    return bool(_BRANCH_NAME.match(name))


def require_branch(pipeline: Pipeline, name: str) -> Branch:
    if name not in pipeline.branches:
        raise UnknownBranchError(name, tuple(pipeline.branches))
    return pipeline.branches[name]


def require_branch_free(pipeline: Pipeline, name: str) -> None:
    if not valid_branch_name(name):
        raise BranchError(f"'{name}' is not a valid branch name (letters, digits, '.', '_', '-'; up to 64)")
    if name in pipeline.branches:
        raise BranchError(f"a branch named '{name}' already exists")
