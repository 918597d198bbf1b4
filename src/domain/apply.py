"""The one place where the Pipeline's state changes: one small rule per event, during a command or a replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from writeit.domain import events as ev
from writeit.domain.state import (
    Attempt,
    Branch,
    Candidate,
    CandidateOrigin,
    CandidateStatus,
    Extraction,
    Fallback,
    Feedback,
    Judged,
    Point,
    StepState,
)

if TYPE_CHECKING:
    from writeit.domain.aggregate import PipelineCore as Pipeline

E = TypeVar("E", bound=ev.Event)
Rule = Callable[["Pipeline", E], None]

RULES: dict[type[ev.Event], Callable[[Pipeline, Any], None]] = {}


def apply_event(p: Pipeline, event: ev.Event) -> None:
    rule = RULES.get(type(event))
    if rule is None:
        raise ValueError(f"no rule to apply {type(event).__name__}")
    rule(p, event)


def _rule(kind: type[E]) -> Callable[[Rule[E]], Rule[E]]:
    def register(fn: Rule[E]) -> Rule[E]:
        RULES[kind] = fn
        return fn

    return register


@_rule(ev.PipelineStarted)
def _started(p: Pipeline, e: ev.PipelineStarted) -> None:
    p.template_name, p.template_source, p.template_text = e.template_name, e.template_source, e.template_text
    p.step_keys, p.inputs, p.models = tuple(e.step_keys), dict(e.inputs), tuple(e.models)
    p.fragments = tuple(dict(f) for f in e.fragments)
    p.created_at = e.at
    p.branches = {"main": Branch("main", {k: StepState(k) for k in p.step_keys}, created_at=e.at)}


@_rule(ev.StepStarted)
def _step_started(p: Pipeline, e: ev.StepStarted) -> None:
    state = p.branches[e.branch].steps[e.step]
    state.generation = e.generation
    for pending in state.pending_feedback:
        pending.rounds.append(e.generation)
    for cid, model in zip(e.candidate_ids, e.models, strict=True):
        p.candidates[cid] = Candidate(
            cid, e.step, e.branch, model, e.generation, prompt=e.prompt, system=e.system, session=e.session,
            created_at=e.at,
        )  # fmt: skip
        state.candidate_ids.append(cid)


@_rule(ev.CandidateCompleted)
def _completed(p: Pipeline, e: ev.CandidateCompleted) -> None:
    c = p.candidates[e.candidate_id]
    c.status, c.answered_model, c.text = CandidateStatus.COMPLETED, e.model, e.text
    c.prompt, c.system, c.cost, c.cached, c.duration_ms = e.prompt, e.system, e.cost, e.cached, e.duration_ms
    c.input_tokens, c.output_tokens, c.usage_estimated = e.input_tokens, e.output_tokens, e.usage_estimated
    c.seed = e.seed
    # A model answered a round that carried this feedback: it has been heard. Until then (every candidate failed,
    # or was cancelled) it stays, so a retry still carries it.
    for pending in p.branches[c.branch].steps[c.step].pending_feedback:
        if pending.round is not None and pending.round <= c.generation:
            pending.settled = True


@_rule(ev.CandidateFailed)
def _failed(p: Pipeline, e: ev.CandidateFailed) -> None:
    c = p.candidates[e.candidate_id]
    c.status, c.answered_model, c.error, c.text = CandidateStatus.FAILED, e.model, e.error, e.partial_text


@_rule(ev.CandidateCancelled)
def _cancelled(p: Pipeline, e: ev.CandidateCancelled) -> None:
    c = p.candidates[e.candidate_id]
    c.status, c.text = CandidateStatus.CANCELLED, e.partial_text


@_rule(ev.CandidateInterrupted)
def _interrupted(p: Pipeline, e: ev.CandidateInterrupted) -> None:
    p.candidates[e.candidate_id].status = CandidateStatus.INTERRUPTED


@_rule(ev.CandidateRetried)
def _retried(p: Pipeline, e: ev.CandidateRetried) -> None:
    p.candidates[e.candidate_id].attempts.append(Attempt(e.model, e.attempt, e.reason))


@_rule(ev.ModelFellBack)
def _fell_back(p: Pipeline, e: ev.ModelFellBack) -> None:
    p.candidates[e.candidate_id].fallbacks.append(Fallback(e.from_model, e.to_model, e.reason))


@_rule(ev.CandidateSelected)
def _selected(p: Pipeline, e: ev.CandidateSelected) -> None:
    state = p.branches[e.branch].steps[e.step]
    state.selected, state.stale = e.candidate_id, False
    for pending in state.pending_feedback:  # the writer chose (an edit and a merge choose too): no longer asked for
        pending.settled = True


@_rule(ev.CandidateEdited)
def _edited(p: Pipeline, e: ev.CandidateEdited) -> None:
    model = p.candidates[e.source_id].model
    c = _add_derived(p, e, CandidateOrigin.EDITED, (e.source_id,), e.text, model)
    c.against, c.changes = e.against, tuple(dict(change) for change in e.changes)


@_rule(ev.CandidatesMerged)
def _merged(p: Pipeline, e: ev.CandidatesMerged) -> None:
    c = _add_derived(p, e, CandidateOrigin.MERGED, tuple(e.source_ids), e.text, e.model or "writer")
    c.instruction = e.instruction
    c.input_tokens, c.output_tokens = e.input_tokens, e.output_tokens
    c.usage_estimated, c.cost, c.duration_ms = e.usage_estimated, e.cost, e.duration_ms
    c.extraction_id, c.points, c.recipe = e.extraction_id, tuple(e.points), e.recipe
    c.streaming_sources = tuple(e.streaming_ids)


@_rule(ev.PointsExtracted)
def _extracted(p: Pipeline, e: ev.PointsExtracted) -> None:
    points = tuple(Point(str(x["id"]), str(x["text"]), tuple(x["sources"])) for x in e.points)
    p.extractions[e.extraction_id] = Extraction(
        e.extraction_id, e.step, e.branch, tuple(e.source_ids), points, e.model, e.error, e.answer,
        streaming_sources=tuple(e.streaming_ids), input_tokens=e.input_tokens, output_tokens=e.output_tokens,
        usage_estimated=e.usage_estimated, cost=e.cost, duration_ms=e.duration_ms, created_at=e.at,
    )  # fmt: skip


@_rule(ev.PointsChosen)
def _chosen(p: Pipeline, e: ev.PointsChosen) -> None:
    p.extractions[e.extraction_id].chosen = tuple(e.point_ids)


@_rule(ev.FeedbackGiven)
def _feedback(p: Pipeline, e: ev.FeedbackGiven) -> None:
    p.branches[e.branch].steps[e.step].given.append(Feedback(e.text))


@_rule(ev.StepMarkedStale)
def _stale(p: Pipeline, e: ev.StepMarkedStale) -> None:
    p.branches[e.branch].steps[e.step].stale = True


@_rule(ev.StaleStepKept)
def _kept(p: Pipeline, e: ev.StaleStepKept) -> None:
    p.branches[e.branch].steps[e.step].stale = False


@_rule(ev.BranchForked)
def _forked(p: Pipeline, e: ev.BranchForked) -> None:
    parent = p.branches[e.parent]
    fork_index = p.step_keys.index(e.from_step)
    steps = {
        key: parent.steps[key].copy(keep_selection=i < fork_index) if i <= fork_index else StepState(key)
        for i, key in enumerate(p.step_keys)
    }
    p.branches[e.branch] = Branch(e.branch, steps, parent=e.parent, fork_step=e.from_step, created_at=e.at)


@_rule(ev.BranchSwitched)
def _switched(p: Pipeline, e: ev.BranchSwitched) -> None:
    p.current_branch = e.branch


@_rule(ev.PipelineCompleted)
def _pipeline_completed(p: Pipeline, e: ev.PipelineCompleted) -> None:
    """A notice for those who follow the pipeline: completion itself is read from the steps (Branch.completed)."""


@_rule(ev.CandidatesJudged)
def _judged(p: Pipeline, e: ev.CandidatesJudged) -> None:
    """A record for the writer to read beside the candidates (and paid for): it never selects."""
    p.judgements.append(
        Judged(
            e.step, e.branch, e.model, tuple(e.criteria), tuple(dict(s) for s in e.scores), e.error,
            e.input_tokens, e.output_tokens, e.usage_estimated, e.cost, e.cached, e.at,
        )
    )  # fmt: skip


def _add_derived(
    p: Pipeline,
    e: ev.CandidateEdited | ev.CandidatesMerged,
    origin: CandidateOrigin,
    sources: tuple[str, ...],
    text: str,
    model: str,
) -> Candidate:
    state = p.branches[e.branch].steps[e.step]
    candidate = Candidate(
        e.candidate_id, e.step, e.branch, model, state.generation, status=CandidateStatus.COMPLETED,
        origin=origin, sources=sources, answered_model=model, text=text, created_at=e.at,
    )  # fmt: skip
    p.candidates[e.candidate_id] = candidate
    state.candidate_ids.append(e.candidate_id)
    return candidate
