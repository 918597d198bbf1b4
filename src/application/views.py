"""Read models: what the TUI, the API and the CLI show of a pipeline, built from the aggregate."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from writeit.domain.pipeline import Pipeline, require_branch
from writeit.domain.state import Attempt, Candidate, CandidateOrigin, Extraction, Fallback, Judged
from writeit.domain.template import PipelineTemplate


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateView:
    id: str
    step: str
    branch: str
    model: str
    status: str
    origin: str
    sources: tuple[str, ...]
    text: str
    prompt: str
    system: str
    error: str
    input_tokens: int
    output_tokens: int
    usage_estimated: bool
    cost: float
    duration_ms: int
    cached: bool
    attempts: tuple[str, ...]
    fallbacks: tuple[str, ...]
    instruction: str
    generation: int
    seed: int | None = None
    edit_of: str | None = None  # an edit: the candidate the writer rewrote (the text is the writer's, no model's)
    extraction_id: str = ""  # a guided merge: its extraction of points, and the ticked points in order
    points: tuple[str, ...] = ()
    recipe: str = ""  # a model's merge that followed a named recipe
    streaming_sources: tuple[str, ...] = ()  # sources merged while still generating (their text as it was)
    against: str = ""  # an edit from tracked changes: the text the revision was compared with
    changes: tuple[dict[str, object], ...] = ()  # ... and each change, with whether the writer accepted it


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """What a judge said of a step's candidates: a score (1-10) and a reason per candidate and criterion."""

    step: str
    model: str
    criteria: tuple[str, ...]
    scores: tuple[dict[str, Any], ...]
    usage: dict[str, Any] = field(default_factory=dict)  # input/output tokens, estimated, cost, cached
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepView:
    key: str
    name: str
    status: str
    stale: bool
    selected: str | None
    feedback: tuple[str, ...]
    pending_feedback: tuple[str, ...]  # not answered yet: the step's next round carries it
    generation: int
    candidates: tuple[CandidateView, ...]
    waits_for: str = ""  # the earlier step without a fresh selection that this one cannot be generated before
    judgement: Judgement | None = None  # the latest judge's scores of this step on this branch (it selects nothing)

    @property
    def selected_candidate(self) -> CandidateView | None:
        return next((c for c in self.candidates if c.id == self.selected), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchView:
    name: str
    parent: str | None
    fork_step: str | None
    current_step: str
    completed: bool
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    input_tokens: int
    output_tokens: int
    cost: float
    candidates: int
    estimated: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineView:
    id: str
    template: str
    inputs: Mapping[str, Any]
    models: tuple[str, ...]  # chosen at start for every step (empty: each step's template models)
    version: int
    branch: str
    current_step: str
    completed: bool
    branches: tuple[BranchView, ...]
    steps: tuple[StepView, ...]
    totals: Totals
    created_at: str
    updated_at: str

    def step(self, key: str) -> StepView:
        return next(s for s in self.steps if s.key == key)


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineSummary:
    id: str
    template: str
    title: str
    version: int
    branch: str
    branches: int
    current_step: str
    completed: bool
    created_at: str
    updated_at: str
    status: str = ""  # the current step's
    input_tokens: int = 0  # every candidate's on every branch: what the pipeline has used
    output_tokens: int = 0
    cost: float = 0.0


def candidate_view(c: Candidate) -> CandidateView:
    return CandidateView(
        id=c.id, step=c.step, branch=c.branch, model=c.model, status=c.status.value, origin=c.origin.value,
        sources=c.sources, text=c.text, prompt=c.prompt, system=c.system, error=c.error,
        input_tokens=c.input_tokens, output_tokens=c.output_tokens, usage_estimated=c.usage_estimated,
        cost=c.cost, duration_ms=c.duration_ms, cached=c.cached, attempts=tuple(map(attempt_text, c.attempts)),
        fallbacks=tuple(map(fallback_text, c.fallbacks)), instruction=c.instruction, generation=c.generation,
        seed=c.seed, edit_of=c.sources[0] if c.origin is CandidateOrigin.EDITED and c.sources else None,
        extraction_id=c.extraction_id, points=c.points, recipe=c.recipe, streaming_sources=c.streaming_sources,
        against=c.against, changes=c.changes,
    )  # fmt: skip


def judgement_view(j: Judged) -> Judgement:
    spent = {
        "input_tokens": j.input_tokens, "output_tokens": j.output_tokens, "usage_estimated": j.usage_estimated,
        "cost": j.cost, "cached": j.cached,
    }  # fmt: skip
    return Judgement(
        step=j.step, model=j.model, criteria=j.criteria, scores=tuple(dict(s) for s in j.scores), usage=spent,
        error=j.error,
    )  # fmt: skip


def attempt_text(a: Attempt) -> str:
    return f"{a.model} attempt {a.attempt}: {a.reason}"


def fallback_text(f: Fallback) -> str:
    return f"{f.from_model} -> {f.to_model}: {f.reason}"


def pipeline_view(p: Pipeline, template: PipelineTemplate | None, branch: str | None = None) -> PipelineView:
    name = require_branch(p, branch).name if branch else p.current_branch
    steps = tuple(_step_view(p, key, name, template) for key in p.step_keys)
    used: list[CandidateView | Extraction | Judged] = [c for s in steps for c in s.candidates]
    used += [e for e in p.extractions.values() if e.branch == name]  # extracting points is paid for too
    used += [j for j in p.judgements if j.branch == name]  # and so is judging
    return PipelineView(
        id=p.id, template=p.template_name, inputs=dict(p.inputs), models=p.models, version=p.version, branch=name,
        current_step=p.current_step(name), completed=p.is_complete(name),
        branches=tuple(_branch_view(p, b) for b in p.branches),
        steps=steps,
        totals=Totals(
            input_tokens=sum(c.input_tokens for c in used), output_tokens=sum(c.output_tokens for c in used),
            cost=round(sum(c.cost for c in used), 8), candidates=sum(isinstance(c, CandidateView) for c in used),
            estimated=any(c.usage_estimated for c in used),
        ),
        created_at=p.created_at, updated_at=p.updated_at,
    )  # fmt: skip


TITLE_INPUTS = ("topic", "title", "subject")


def title(inputs: Mapping[str, Any]) -> str:
    """What a pipeline is about, from its inputs ("" when none says so)."""
    return next((str(inputs[k]) for k in TITLE_INPUTS if inputs.get(k)), "")


def heading(view: PipelineView) -> str:
    """The article's title: what it is about, else its template's name."""
    return title(view.inputs) or view.template


def file_stem(inputs: Mapping[str, Any], template: str, pipeline_id: str = "") -> str:
    """The default name of an export, without the suffix its format adds: `<title slug>-<id prefix>`."""
    slug = re.sub(r"[^a-z0-9]+", "-", (title(inputs) or template).lower()).strip("-")[:48] or "article"
    return f"{slug}-{pipeline_id[:8]}" if pipeline_id else slug


def summary(p: Pipeline) -> PipelineSummary:
    paid: list[Candidate | Extraction | Judged] = [*p.candidates.values(), *p.extractions.values(), *p.judgements]
    return PipelineSummary(
        id=p.id, template=p.template_name, title=title(p.inputs), version=p.version, branch=p.current_branch,
        branches=len(p.branches), current_step=p.current_step(), completed=p.is_complete(),
        created_at=p.created_at, updated_at=p.updated_at, status=p.step_status(p.current_step()).value,
        input_tokens=sum(c.input_tokens for c in paid), output_tokens=sum(c.output_tokens for c in paid),
        cost=round(sum(c.cost for c in paid), 8),
    )  # fmt: skip


def _step_view(p: Pipeline, key: str, branch: str, template: PipelineTemplate | None) -> StepView:
    state = p.step_state(key, branch)
    name = key
    if template is not None and key in template.step_keys:
        name = template.step(key).name or key
    return StepView(
        key=key, name=name, status=p.step_status(key, branch).value, stale=state.stale,
        selected=state.selected, feedback=tuple(state.feedback),
        pending_feedback=tuple(f.text for f in state.pending_feedback), generation=state.generation,
        candidates=tuple(candidate_view(p.candidates[c]) for c in state.candidate_ids),
        waits_for=p.waits_for(key, branch) or "",
        judgement=_latest_judgement(p, branch, key),
    )  # fmt: skip


def _latest_judgement(p: Pipeline, branch: str, key: str) -> Judgement | None:
    """The step's latest judgement on `branch`, or of candidates it shares with another (a fork keeps them)."""
    ids = set(p.step_state(key, branch).candidate_ids)

    def of_this_step(j: Judged) -> bool:
        return j.step == key and (j.branch == branch or any(s.get("candidate_id") in ids for s in j.scores))

    found = next((j for j in reversed(p.judgements) if of_this_step(j)), None)
    return judgement_view(found) if found is not None else None


def _branch_view(p: Pipeline, name: str) -> BranchView:
    b = p.branches[name]
    return BranchView(
        name=name, parent=b.parent, fork_step=b.fork_step, current_step=p.current_step(name),
        completed=p.is_complete(name), created_at=b.created_at,
    )  # fmt: skip
