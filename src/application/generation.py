"""Generating a step: plan the candidates, check the budget, run them concurrently, record each outcome."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from writeit.application import activity
from writeit.application.budget import Budget, CostEstimate, check_budget, estimate_round
from writeit.application.errors import ModelError
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
from writeit.application.ports import CompletedCandidate, CompletionLog, LanguageModel, ModelRequest, TemplateCatalog
from writeit.application.runner import Answer, CandidateHooks, ModelRunner
from writeit.application.usage import PriceTable, totals
from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.template import PipelineTemplate

__all__ = ["CandidatePlan", "Generation", "GenerationPlan", "StepGenerator", "step_context"]

log = logging.getLogger(__name__)

Command = Callable[[Pipeline, datetime], object]
Recorder = Callable[[str, Command], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Running:
    task: asyncio.Task[None]
    pipeline_id: str
    record: Recorder


class Generation:
    """A running round of candidates; `wait()` returns when each has completed, failed or been cancelled."""

    def __init__(self, plan: GenerationPlan, tasks: list[asyncio.Task[None]]) -> None:
        self.pipeline_id = plan.pipeline_id
        self.step = plan.step
        self.candidate_ids = tuple(c.candidate_id for c in plan.candidates)
        self.estimate: CostEstimate | None = plan.estimate
        self._tasks = tasks

    async def wait(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)


class StepGenerator:
    """Runs rounds of candidates, at most `concurrency` at a time across the process."""

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
        self._runner = runner
        self._completions = completions
        self._models = models
        self._catalog = catalog
        self._hub = hub
        self._prices = prices
        self._new_id = new_id
        self._default_model = default_model
        self.session = session
        self.budget = budget or Budget()
        self._slots = asyncio.Semaphore(concurrency)
        self._streaming: dict[str, _Running] = {}
        self._texts: dict[str, list[str]] = {}  # what each running candidate has produced so far
        self._tasks: set[asyncio.Task[None]] = set()

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

    def launch(self, plan: GenerationPlan, record: Recorder) -> Generation:
        tasks = [asyncio.create_task(self._run(plan.pipeline_id, plan.step, c, record)) for c in plan.candidates]
        for candidate, task in zip(plan.candidates, tasks, strict=True):
            self._streaming[candidate.candidate_id] = _Running(task, plan.pipeline_id, record)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return Generation(plan, tasks)

    async def cancel(self, candidate_id: str) -> bool:
        running = self._streaming.get(candidate_id)
        if running is None:
            return False
        running.task.cancel()
        await asyncio.gather(running.task, return_exceptions=True)
        if candidate_id in self._streaming:  # cancelled before its first step, its own handler never ran
            command: Command = lambda p, now: p.cancel_candidate(candidate_id, now)  # noqa: E731
            await self._finish(running.pipeline_id, candidate_id, running.record, command)
        return True

    def running(self) -> set[str]:
        return set(self._streaming)

    def text_so_far(self, candidate_id: str) -> str:
        """What a candidate this process is generating has produced so far ("" if none, or not running here)."""
        return "".join(self._texts.get(candidate_id, ()))

    async def wait_all(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, pipeline_id: str, step: str, plan: CandidatePlan, record: Recorder) -> None:
        cid = plan.candidate_id
        parts: list[str] = []
        self._texts[cid] = parts
        started = time.monotonic()

        def on_chunk(text: str) -> None:
            parts.append(text)
            self._hub.publish_chunk(pipeline_id, cid, text)

        def restart() -> None:
            # Subscribers saw the abandoned attempt's chunks: tell them to drop those too.
            if parts:
                parts.clear()
                self._hub.publish_reset(pipeline_id, cid)

        async def on_retry(model: str, attempt: int, reason: str) -> None:
            activity.retried(pipeline_id, cid, model, attempt, reason)
            await record(pipeline_id, lambda p, now: p.record_retry(cid, model, attempt, reason, now))

        async def on_fallback(old: str, new: str, reason: str) -> None:
            activity.fell_through(pipeline_id, cid, old, new, reason)
            restart()
            await record(pipeline_id, lambda p, now: p.record_fallback(cid, old, new, reason, now))

        hooks = CandidateHooks(on_chunk=on_chunk, on_restart=restart, on_retry=on_retry, on_fallback=on_fallback)
        activity.started(pipeline_id, step, cid, plan.chain, plan.sample)
        try:
            answer = await self._runner.run(plan.chain, plan.request, hooks, plan.sample, gate=self._slots)
        except asyncio.CancelledError:
            activity.cancelled(pipeline_id, cid, time.monotonic() - started, len("".join(parts)))
            await self._finish(pipeline_id, cid, record, lambda p, now: p.cancel_candidate(cid, now, "".join(parts)))
            return
        except ModelError as exc:
            error, model = str(exc), exc.model_id
            activity.failed(pipeline_id, cid, model, error, time.monotonic() - started)
            await self._finish(
                pipeline_id, cid, record, lambda p, now: p.fail_candidate(cid, model, error, now, "".join(parts))
            )
            return
        except Exception as exc:  # a bug in an adapter must not take the other candidates down
            log.exception("candidate %s failed unexpectedly", cid)
            error = f"internal error: {type(exc).__name__}: {exc}"
            await self._finish(pipeline_id, cid, record, lambda p, now: p.fail_candidate(cid, "", error, now))
            return
        output = self._output(plan, answer, started)
        activity.finished(pipeline_id, cid, output)
        await self._finish(pipeline_id, cid, record, lambda p, now: p.complete_candidate(cid, output, now))
        await self._log_completion(pipeline_id, step, cid, output)

    async def _log_completion(self, pipeline_id: str, step: str, cid: str, output: CandidateOutput) -> None:
        """Copy a completed candidate to the other log, if one is set; its failure never fails the candidate."""
        if self._completions is None:
            return
        fields = ("model", "prompt", "system", "text", "input_tokens", "output_tokens", "duration_ms")
        completed = CompletedCandidate(
            pipeline_id=pipeline_id, step=step, candidate_id=cid, at=datetime.now(UTC).isoformat(),
            **{name: getattr(output, name) for name in fields},
        )  # fmt: skip
        try:
            await self._completions.record(completed)
        except Exception:
            log.exception("could not write candidate %s to the completion log", cid)

    async def _finish(self, pipeline_id: str, cid: str, record: Recorder, command: Command) -> None:
        self._streaming.pop(cid, None)
        self._texts.pop(cid, None)
        try:
            await record(pipeline_id, command)
        except Exception:
            log.exception("could not record the outcome of candidate %s", cid)

    def _output(self, plan: CandidatePlan, answer: Answer, started: float) -> CandidateOutput:
        completion = answer.completion
        reported = (completion.input_tokens, completion.output_tokens)
        prompt = plan.request.system + plan.request.prompt
        usage = self._prices.usage(completion.model_id, prompt, completion.text, reported)
        return CandidateOutput(
            model=completion.model_id, text=completion.text, prompt=plan.request.prompt, system=plan.request.system,
            input_tokens=usage.input_tokens, output_tokens=usage.output_tokens, usage_estimated=usage.estimated,
            cost=usage.cost, duration_ms=int((time.monotonic() - started) * 1000), cached=answer.cached,
            seed=answer.seed,
        )  # fmt: skip

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
            on_retry=_ignore,
            on_fallback=_ignore,
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


async def _ignore(*_: str | int) -> None:
    return None
