"""The Pipeline aggregate: commands check the branching rules and record events; `_apply` alone changes state."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
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
    UnknownExtractionError,
    UnknownStepError,
)
from writeit.domain.state import Branch, Candidate, CandidateStatus, Extraction, Judged, Point, StepState, StepStatus
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
    seed: int | None = None


def _accounting(output: CandidateOutput | None) -> dict[str, Any]:
    if output is None:
        return {}
    return {
        "input_tokens": output.input_tokens,
        "output_tokens": output.output_tokens,
        "usage_estimated": output.usage_estimated,
        "cost": output.cost,
        "duration_ms": output.duration_ms,
    }


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
        self.extractions: dict[str, Extraction] = {}  # guided merges' points, by extraction id
        self.judgements: list[Judged] = []  # every judge's scores, oldest first
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
            if not self.step_state(key, branch).fresh:
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

    def waits_for(self, step: str, branch: str | None = None) -> str | None:
        """The first earlier step without a fresh selection (none selected, or stale): `step` waits for it."""
        index = self.step_keys.index(self.step_state(step, branch).key)
        return next((k for k in self.step_keys[:index] if not self.step_state(k, branch).fresh), None)

    def require_can_generate(self, step: str) -> None:
        """Raise unless every earlier step has a fresh selection and this step is not already running."""
        waits_for = self.waits_for(step)
        if waits_for is not None and self.step_state(waits_for).selected is None:
            raise StepNotReadyError(f"step '{waits_for}' has no selection yet; select a candidate there first")
        if waits_for is not None:
            raise StepNotReadyError(f"step '{waits_for}' is stale; regenerate it or keep it first")
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
            seed=output.seed,
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

    def edit(
        self,
        step: str,
        candidate_id: str,
        new_id: str,
        text: str,
        now: datetime,
        *,
        against: str = "",
        changes: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Record the writer's rewrite of a candidate as a new candidate, and select it (`against`, `changes`:
        an edit made by deciding on the candidate's tracked changes against the text it revised)."""
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
            against=against,
            changes=tuple(dict(change) for change in changes),
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
        usage: CandidateOutput | None = None,
        recipe: str = "",
        streaming: Collection[str] = (),
        extraction_id: str = "",
        points: Sequence[str] = (),
    ) -> None:
        """Record a merge of several candidates (by hand or by a model) as a new candidate, and select it.

        `usage`: a model's merge, whose tokens, cost and duration count as any candidate's. `streaming`: sources
        still generating, merged with their text so far. `extraction_id`, `points`: a guided merge's."""
        self.require_mergeable(step, source_ids, streaming)
        if extraction_id:
            self._require_points(self.require_extraction(extraction_id), points)
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
            **_accounting(usage),
            extraction_id=extraction_id,
            points=tuple(points),
            recipe=recipe,
            streaming_ids=tuple(c for c in source_ids if c in streaming),
        )
        self.select(step, new_id, now)

    def require_mergeable(self, step: str, source_ids: Sequence[str], streaming: Collection[str] = ()) -> None:
        """Raise unless `source_ids` are two or more different usable candidates of `step` on this branch
        (those in `streaming` may still be generating: the caller has their text so far)."""
        if len(set(source_ids)) < 2:
            raise InvalidCommandError("a merge needs at least two different candidates")
        for cid in source_ids:
            if cid in streaming and cid in self.step_state(step).candidate_ids:
                continue
            self._usable(step, cid)

    # ----- commands: a guided merge -------------------------------------------------------------
    def record_extraction(
        self,
        step: str,
        extraction_id: str,
        source_ids: Sequence[str],
        points: Sequence[Point],
        now: datetime,
        *,
        model: str,
        answer: str = "",
        error: str = "",
        usage: CandidateOutput | None = None,
        streaming: Collection[str] = (),
    ) -> None:
        """Record the points a model found in `source_ids` (or, with `error`, why its answer gave none)."""
        self.require_mergeable(step, source_ids, streaming)
        if not extraction_id or extraction_id in self.extractions:
            raise InvalidCommandError(f"extraction id '{extraction_id}' is already taken")
        for point in points:
            if not set(point.sources) <= set(source_ids):
                raise InvalidCommandError(f"point '{point.id}' names a candidate that is not merged")
        self._record(
            ev.PointsExtracted, now, branch=self.current_branch, step=step, extraction_id=extraction_id,
            source_ids=tuple(source_ids), model=model, answer=answer, error=error, **_accounting(usage),
            points=tuple({"id": p.id, "text": p.text, "sources": list(p.sources)} for p in points),
            streaming_ids=tuple(c for c in source_ids if c in streaming),
        )  # fmt: skip

    def choose_points(self, extraction_id: str, point_ids: Sequence[str], now: datetime) -> None:
        """Record the points the writer ticked, in the order the merged text should follow."""
        extraction = self.require_extraction(extraction_id)
        self._require_points(extraction, point_ids)
        self._record(
            ev.PointsChosen, now, branch=extraction.branch, step=extraction.step, extraction_id=extraction_id,
            point_ids=tuple(point_ids),
        )  # fmt: skip

    def require_extraction(self, extraction_id: str) -> Extraction:
        """The extraction on the current branch; raises when it is unknown, elsewhere or failed."""
        extraction = self.extractions.get(extraction_id)
        if extraction is None or extraction.branch != self.current_branch:
            raise UnknownExtractionError(extraction_id)
        if extraction.error:
            raise CandidateStateError(f"extraction '{extraction_id}' failed ({extraction.error}); extract again")
        return extraction

    @staticmethod
    def _require_points(extraction: Extraction, point_ids: Sequence[str]) -> None:
        if not point_ids:
            raise InvalidCommandError("tick at least one point to merge")
        if len(set(point_ids)) != len(point_ids):
            raise InvalidCommandError("a point is ticked twice")
        known = [p.id for p in extraction.points]
        unknown = [p for p in point_ids if p not in known]
        if unknown:
            raise InvalidCommandError(
                f"extraction '{extraction.id}' has no point {', '.join(unknown)} (its points: {', '.join(known)})"
            )

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
        return next_branch_name(self.branches)

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


def next_branch_name(taken: Collection[str]) -> str:
    """The default name of a new branch: `branch-N`, N the first free number from the count of branches + 1."""
    n = len(taken) + 1
    while f"branch-{n}" in taken:
        n += 1
    return f"branch-{n}"


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
