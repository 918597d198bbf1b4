"""The one place where the Pipeline's state changes: applying an event, during a command or a replay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from writeit.domain import events as ev
from writeit.domain.state import Branch, Candidate, CandidateOrigin, CandidateStatus, PendingFeedback, StepState

if TYPE_CHECKING:
    from writeit.domain.pipeline import Pipeline


def apply_event(p: Pipeline, event: ev.Event) -> None:
    match event:
        case ev.PipelineStarted():
            p.template_name = event.template_name
            p.template_source = event.template_source
            p.template_text = event.template_text
            p.step_keys = tuple(event.step_keys)
            p.inputs = dict(event.inputs)
            p.models = tuple(event.models)
            p.created_at = event.at
            p.branches = {"main": Branch("main", {k: StepState(k) for k in p.step_keys}, created_at=event.at)}
        case ev.StepStarted():
            state = p.branches[event.branch].steps[event.step]
            state.generation = event.generation
            for pending in state.pending_feedback:
                pending.round = event.generation if pending.round is None else pending.round
            if state.pending_feedback:
                state.round_feedback[event.generation] = tuple(f.text for f in state.pending_feedback)
            for cid, model in zip(event.candidate_ids, event.models, strict=True):
                p.candidates[cid] = Candidate(
                    cid,
                    event.step,
                    event.branch,
                    model,
                    event.generation,
                    prompt=event.prompt,
                    system=event.system,
                    session=event.session,
                    created_at=event.at,
                )
                state.candidate_ids.append(cid)
        case ev.CandidateCompleted():
            c = p.candidates[event.candidate_id]
            c.status = CandidateStatus.COMPLETED
            c.model, c.text, c.prompt, c.system = event.model, event.text, event.prompt, event.system
            c.input_tokens, c.output_tokens = event.input_tokens, event.output_tokens
            c.usage_estimated, c.cost = event.usage_estimated, event.cost
            c.duration_ms, c.cached, c.seed = event.duration_ms, event.cached, event.seed
            # A model answered a round that carried this feedback: it has been heard. Until then (every candidate
            # failed, or was cancelled) it stays, so a retry still carries it.
            answered = p.branches[c.branch].steps[c.step]
            answered.pending_feedback = [
                f for f in answered.pending_feedback if f.round is None or f.round > c.generation
            ]
        case ev.CandidateFailed():
            c = p.candidates[event.candidate_id]
            c.status, c.model, c.error, c.text = CandidateStatus.FAILED, event.model, event.error, event.partial_text
        case ev.CandidateCancelled():
            c = p.candidates[event.candidate_id]
            c.status, c.text = CandidateStatus.CANCELLED, event.partial_text
        case ev.CandidateInterrupted():
            p.candidates[event.candidate_id].status = CandidateStatus.INTERRUPTED
        case ev.CandidateRetried():
            p.candidates[event.candidate_id].attempts.append(f"{event.model} attempt {event.attempt}: {event.reason}")
        case ev.ModelFellBack():
            c = p.candidates[event.candidate_id]
            c.fallbacks.append(f"{event.from_model} -> {event.to_model}: {event.reason}")
            c.model = event.to_model
        case ev.CandidateSelected():
            state = p.branches[event.branch].steps[event.step]
            state.selected = event.candidate_id
            state.stale = False
            state.pending_feedback = []  # the writer chose (an edit and a merge choose too): no longer asked for
        case ev.CandidateEdited():
            _add_derived(
                p,
                event.branch,
                event.step,
                event.candidate_id,
                event.at,
                CandidateOrigin.EDITED,
                (event.source_id,),
                event.text,
                p.candidates[event.source_id].model,
            )
        case ev.CandidatesMerged():
            c = _add_derived(
                p,
                event.branch,
                event.step,
                event.candidate_id,
                event.at,
                CandidateOrigin.MERGED,
                tuple(event.source_ids),
                event.text,
                event.model or "writer",
            )
            c.instruction = event.instruction
            c.input_tokens, c.output_tokens = event.input_tokens, event.output_tokens
            c.usage_estimated, c.cost, c.duration_ms = event.usage_estimated, event.cost, event.duration_ms
        case ev.FeedbackGiven():
            given = p.branches[event.branch].steps[event.step]
            given.feedback.append(event.text)
            given.pending_feedback.append(PendingFeedback(event.text))
        case ev.StepMarkedStale():
            p.branches[event.branch].steps[event.step].stale = True
            p.branches[event.branch].completed = False
        case ev.StaleStepKept():
            p.branches[event.branch].steps[event.step].stale = False
        case ev.BranchForked():
            _fork(p, event)
        case ev.BranchSwitched():
            p.current_branch = event.branch
        case ev.PipelineCompleted():
            p.branches[event.branch].completed = True
        case _:
            raise ValueError(f"no rule to apply {type(event).__name__}")


def _add_derived(
    p: Pipeline,
    branch: str,
    step: str,
    cid: str,
    at: str,
    origin: CandidateOrigin,
    sources: tuple[str, ...],
    text: str,
    model: str,
) -> Candidate:
    state = p.branches[branch].steps[step]
    candidate = Candidate(
        cid,
        step,
        branch,
        model,
        state.generation,
        status=CandidateStatus.COMPLETED,
        origin=origin,
        sources=sources,
        text=text,
        created_at=at,
    )
    p.candidates[cid] = candidate
    state.candidate_ids.append(cid)
    return candidate


def _fork(p: Pipeline, event: ev.BranchForked) -> None:
    parent = p.branches[event.parent]
    fork_index = p.step_keys.index(event.from_step)
    steps: dict[str, StepState] = {}
    for i, key in enumerate(p.step_keys):
        if i < fork_index:
            steps[key] = parent.steps[key].copy()
        elif i == fork_index:
            steps[key] = parent.steps[key].copy(keep_selection=False)
        else:
            steps[key] = StepState(key)
    p.branches[event.branch] = Branch(
        event.branch, steps, parent=event.parent, fork_step=event.from_step, created_at=event.at
    )
