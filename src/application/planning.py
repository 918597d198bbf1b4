"""Planning a generation round: which model chains answer, what each prompt sees, and which sample each is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from writeit.application.budget import CostEstimate
from writeit.application.errors import ModelNotFoundError
from writeit.application.ports import ModelRequest, RenderedPrompt, StepContext, TemplateCatalog
from writeit.domain.errors import UnknownCandidateError
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Candidate, CandidateOrigin
from writeit.domain.template import PipelineTemplate, StepSpec


@dataclass(frozen=True, slots=True)
class CandidatePlan:
    """One candidate to run: its fallback chain, and `sample`, which of the same prompt's answers it is."""

    candidate_id: str
    chain: tuple[str, ...]
    request: ModelRequest
    sample: int = 0


@dataclass(frozen=True, slots=True)
class GenerationPlan:
    pipeline_id: str
    step: str
    candidates: tuple[CandidatePlan, ...]
    estimate: CostEstimate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainChoice:
    """Where the models come from, highest precedence first."""

    candidate_model: str | None = None  # regenerating one candidate: its model again
    override: Sequence[str] | None = None  # the caller's models (`--model`, the API)
    default_model: str = "markov"


def plan_chains(
    spec: StepSpec, rendered: RenderedPrompt, preference: tuple[str, ...], choice: ChainChoice
) -> list[tuple[str, ...]]:
    """The model chain of each candidate of the round.

    `models` all answer, `response_count` times each, and each falls back through `model_preference`
    (`preference`, rendered) when it fails for good; without `models`, `model_preference` is one chain.
    """
    count = spec.response_count
    if choice.candidate_model is not None:
        return [(choice.candidate_model,)]
    if choice.override:
        return [(m,) for m in choice.override for _ in range(count)]
    if spec.models:
        return [(m, *(p for p in preference if p != m)) for m in rendered.models for _ in range(count)]
    return [rendered.models or (choice.default_model,)] * count


def preference_of(
    catalog: TemplateCatalog,
    template: PipelineTemplate,
    step: str,
    inputs: Mapping[str, Any],
    context: Mapping[str, StepContext],
) -> tuple[str, ...]:
    """The step's rendered `model_preference` when it also has `models` (the renderer gives `models` first)."""
    spec = template.step(step)
    if not (spec.models and spec.model_preference):
        return ()
    steps = tuple(replace(s, models=()) if s.key == step else s for s in template.steps)
    return catalog.render(replace(template, steps=steps), step, inputs, context).models


def samples(pipeline: Pipeline, step: str, rendered: RenderedPrompt, chains: Sequence[tuple[str, ...]]) -> list[int]:
    """For each chain, how many answers its first model already gave this prompt in this pipeline.

    So a regeneration asks for a new sample (never the recorded one again), while the same run of commands
    in another pipeline asks for the same samples: what makes recorded answers replayable.
    """
    seen = Counter(
        c.asked_model
        for c in pipeline.candidates.values()
        if c.step == step
        and c.origin is CandidateOrigin.GENERATED
        and c.prompt == rendered.prompt
        and c.system == rendered.system
    )
    result = []
    for chain in chains:
        result.append(seen[chain[0]])
        seen[chain[0]] += 1
    return result


def resolve_chain(chain: tuple[str, ...], resolve: Callable[[str], str]) -> tuple[str, ...]:
    """Canonical ids. A lone model must exist before anything is recorded; in a chain, an unknown one falls
    through when its turn comes (it may be a provider whose plugin is not installed here)."""
    if len(chain) == 1:
        return (resolve(chain[0]),)
    resolved = []
    for model in chain:
        try:
            resolved.append(resolve(model))
        except ModelNotFoundError:
            resolved.append(model)
    return tuple(resolved)


def pipeline_candidate(pipeline: Pipeline, step: str, candidate_id: str) -> Candidate:
    if candidate_id not in pipeline.step_state(step).candidate_ids:
        raise UnknownCandidateError(candidate_id, step)
    return pipeline.candidates[candidate_id]


def step_context(pipeline: Pipeline, step: str, feedback: str) -> dict[str, StepContext]:
    """What the prompt of `step` sees: every earlier step's selection, feedback and candidates."""
    context: dict[str, StepContext] = {}
    for key in pipeline.step_keys:
        state = pipeline.step_state(key)
        if key == step:
            context[key] = StepContext(feedback=feedback)
            break
        texts = tuple(pipeline.candidates[c].text for c in state.candidate_ids if pipeline.candidates[c].usable)
        latest = state.feedback[-1] if state.feedback else ""
        context[key] = StepContext(selected_response=pipeline.selected_text(key), feedback=latest, candidates=texts)
    return context
