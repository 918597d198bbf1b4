"""Generating a step: plan the candidates and check the budget before the aggregate changes; then run them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from writeit.application import activity
from writeit.application.budget import Budget, check_budget, estimate_round
from writeit.application.hub import StreamHub
from writeit.application.planning import (
    CandidatePlan,
    ChainChoice,
    GenerationPlan,
    pipeline_candidate,
    plan_chains,
    preference_of,
    resolve_chain,
    samples,
    step_context,
)
from writeit.application.ports import CompletionLog, LanguageModel, ModelRequest, TemplateCatalog
from writeit.application.round_runner import Generation, RoundRunner, ignore_hook
from writeit.application.runner import CandidateHooks, ModelRunner
from writeit.application.usage import PriceTable, totals
from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.template import PipelineTemplate

__all__ = ["CandidatePlan", "Generation", "GenerationPlan", "StepGenerator", "step_context"]


class StepGenerator(RoundRunner):
    """Plans rounds of candidates (every refusal before the aggregate changes) and runs them (see RoundRunner)."""

    def __init__(
        self,
        runner: ModelRunner,
        models: LanguageModel,
        catalog: TemplateCatalog,
        hub: StreamHub,
        prices: PriceTable,
        *,
        new_id: Callable[[], str],
        default_model: str | Callable[[], str],
        concurrency: int = 8,
        session: str = "",
        budget: Budget | None = None,
        completions: CompletionLog | None = None,
    ) -> None:
        super().__init__(runner, hub, prices, concurrency=concurrency, completions=completions)
        self._models = models
        self._catalog = catalog
        self._new_id = new_id
        self._default_model = default_model
        self.session = session
        self.budget = budget or Budget()

    @property
    def default_model(self) -> str:
        """The model that answers when none is named; given as a callable, it is found when first needed
        (finding it loads the model layer, which a TUI that has not generated anything should not pay for)."""
        if callable(self._default_model):
            self._default_model = self._default_model()
        return self._default_model

    def plan(
        self,
        pipeline: Pipeline,
        template: PipelineTemplate,
        step: str | None,
        feedback: str | None,
        models: Sequence[str] | None,
        candidate_id: str | None,
        now: datetime,
    ) -> GenerationPlan:
        """Decide the round, then record its start on the aggregate (feedback first, if any): every check that
        can refuse (can generate, prompt, models, budget) runs before the aggregate changes.

        Raises BudgetExceededError when the round would exceed the budget.
        """
        key = step or pipeline.current_step()
        pipeline.require_can_generate(key)
        context = step_context(pipeline, key, "\n\n".join(_feedback_texts(pipeline, key, feedback, candidate_id)))
        rendered = self._catalog.render(template, key, pipeline.inputs, context, pipeline.fragments)
        choice = ChainChoice(
            candidate_model=pipeline_candidate(pipeline, key, candidate_id).model if candidate_id else None,
            override=models or pipeline.models or None,  # this call's, else those chosen at start
            default_model=self.default_model,
        )
        preference = preference_of(self._catalog, template, key, pipeline.inputs, context)
        chains = [
            resolve_chain(c, self._models.resolve)
            for c in plan_chains(template.step(key), rendered, preference, choice)
        ]
        estimate = estimate_round(self._prices, chains, rendered.prompt, rendered.system, self.budget.output_guess)
        check_budget(self.budget, key, estimate, spent(pipeline))
        pairs = [(self._new_id(), chain[0]) for chain in chains]
        numbers = samples(pipeline, key, rendered, chains)
        if feedback:
            pipeline.give_feedback(key, feedback, now)
        pipeline.start_step(key, pairs, now, prompt=rendered.prompt, system=rendered.system, session=self.session)
        request = ModelRequest(model_id=chains[0][0], prompt=rendered.prompt, system=rendered.system)
        plans = tuple(
            CandidatePlan(cid, chain, request, n) for (cid, _), chain, n in zip(pairs, chains, numbers, strict=True)
        )
        return GenerationPlan(pipeline.id, key, plans, estimate)

    def resolve(self, model_id: str) -> str:
        return self._models.resolve(model_id)

    async def merge_text(
        self, texts: Sequence[str], instruction: str, model: str | None, pipeline: Pipeline
    ) -> CandidateOutput:
        """Ask a model to merge texts; returns its answer, with its usage and cost. Raises ModelError."""
        drafts = "\n\n".join(f"--- Draft {i} ---\n{t}" for i, t in enumerate(texts, 1))
        prompt = f"Merge these drafts into one text. {instruction}\n\n{drafts}\n\nReply with the merged text only."
        merged = await self.ask(prompt, model, pipeline, "merge")
        activity.merged(pipeline.id, len(texts), merged)
        return merged

    async def ask(self, prompt: str, model: str | None, pipeline: Pipeline, label: str) -> CandidateOutput:
        """One model call made for a pipeline outside a round (a merge, an extraction of points), on the path a
        candidate takes: estimated and checked against the budget first, then run within the fan-out limit,
        with retries, the response cache, and its usage and cost measured. Raises ModelError, BudgetExceededError.
        """
        model_id = self._models.resolve(model or self.default_model)
        estimate = estimate_round(self._prices, [(model_id,)], prompt, "", self.budget.output_guess)
        check_budget(self.budget, label, estimate, spent(pipeline))
        hooks = CandidateHooks(
            on_chunk=lambda t: self._hub.publish_chunk(pipeline.id, label, t),
            on_restart=lambda: self._hub.publish_reset(pipeline.id, label),
            on_retry=ignore_hook,
            on_fallback=ignore_hook,
        )
        request = ModelRequest(model_id=model_id, prompt=prompt)
        started = time.monotonic()
        answer = await self._runner.run((model_id,), request, hooks, gate=self._slots)
        return self._output(CandidatePlan(label, (model_id,), request), answer, started)


def spent(pipeline: Pipeline) -> float:
    """What the pipeline's model calls have cost so far: its candidates', its extractions' of points, its judges'."""
    paid = [e.cost for e in pipeline.extractions.values()] + [j.cost for j in pipeline.judgements]
    return totals(pipeline.candidates.values()).cost + sum(paid)


def _feedback_texts(pipeline: Pipeline, step: str, feedback: str | None, candidate_id: str | None) -> list[str]:
    """Every feedback no model has answered yet: any recorded alone before, any whose round produced nothing
    (all failed or cancelled), and this call's (`feedback`, recorded only once the round is decided)."""
    state = pipeline.step_state(step)
    texts = [f.text for f in state.pending_feedback] + ([feedback] if feedback else [])
    if candidate_id:  # that candidate again, with what its own round carried (siblings may have answered it)
        carried = state.round_feedback.get(pipeline_candidate(pipeline, step, candidate_id).generation, ())
        texts = [*carried, *(t for t in texts if t not in carried)]
    return texts
