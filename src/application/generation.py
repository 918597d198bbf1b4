"""Generating a step: plan the candidates (prompt, model chains), run them concurrently, record each outcome."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from writeit.application.errors import ModelError
from writeit.application.hub import StreamHub
from writeit.application.ports import LanguageModel, ModelRequest, StepContext, TemplateCatalog
from writeit.application.runner import CandidateHooks, ModelRunner
from writeit.application.usage import PriceTable
from writeit.domain.errors import UnknownCandidateError
from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.template import PipelineTemplate

log = logging.getLogger(__name__)

Command = Callable[[Pipeline, datetime], object]
Recorder = Callable[[str, Command], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CandidatePlan:
    candidate_id: str
    chain: tuple[str, ...]
    request: ModelRequest


@dataclass(frozen=True, slots=True)
class GenerationPlan:
    pipeline_id: str
    step: str
    candidates: tuple[CandidatePlan, ...]


class Generation:
    """A running round of candidates; `wait()` returns when each has completed, failed or been cancelled."""

    def __init__(self, plan: GenerationPlan, tasks: list[asyncio.Task[None]]) -> None:
        self.pipeline_id = plan.pipeline_id
        self.step = plan.step
        self.candidate_ids = tuple(c.candidate_id for c in plan.candidates)
        self._tasks = tasks

    async def wait(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)


class StepGenerator:
    def __init__(
        self,
        runner: ModelRunner,
        models: LanguageModel,
        catalog: TemplateCatalog,
        hub: StreamHub,
        prices: PriceTable,
        *,
        new_id: Callable[[], str],
        default_model: str,
        concurrency: int = 8,
        session: str = "",
    ) -> None:
        self._runner = runner
        self._models = models
        self._catalog = catalog
        self._hub = hub
        self._prices = prices
        self._new_id = new_id
        self.default_model = default_model
        self.session = session
        self._slots = asyncio.Semaphore(concurrency)
        self._streaming: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

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
        """Record the round's start on the aggregate (feedback first, if any) and return what to run."""
        key = step or pipeline.current_step()
        spec = template.step(key)
        if feedback:
            pipeline.give_feedback(key, feedback, now)
        pipeline.require_can_generate(key)
        context = step_context(pipeline, key, feedback or "")
        rendered = self._catalog.render(template, key, pipeline.inputs, context)
        chains: list[tuple[str, ...]]
        if candidate_id is not None:
            chains = [(pipeline.candidates[pipeline_candidate(pipeline, key, candidate_id)].model,)]
        elif models:
            chains = [(m,) for m in models for _ in range(spec.response_count)]
        elif spec.models:
            chains = [(m,) for m in rendered.models for _ in range(spec.response_count)]
        else:
            chains = [rendered.models or (self.default_model,)] * spec.response_count
        chains = [self._resolved(chain) for chain in chains]
        pairs = [(self._new_id(), chain[0]) for chain in chains]
        pipeline.start_step(key, pairs, now, prompt=rendered.prompt, system=rendered.system, session=self.session)
        request = ModelRequest(model_id=chains[0][0], prompt=rendered.prompt, system=rendered.system)
        plans = tuple(CandidatePlan(cid, chain, request) for (cid, _), chain in zip(pairs, chains, strict=True))
        return GenerationPlan(pipeline.id, key, plans)

    def resolve(self, model_id: str) -> str:
        return self._models.resolve(model_id)

    def _resolved(self, chain: tuple[str, ...]) -> tuple[str, ...]:
        # A lone model must exist before anything is recorded; in a chain, an unknown one falls through later.
        return (self._models.resolve(chain[0]),) if len(chain) == 1 else chain

    def launch(self, plan: GenerationPlan, record: Recorder) -> Generation:
        tasks = [asyncio.create_task(self._run(plan.pipeline_id, c, record)) for c in plan.candidates]
        for candidate, task in zip(plan.candidates, tasks, strict=True):
            self._streaming[candidate.candidate_id] = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return Generation(plan, tasks)

    async def cancel(self, candidate_id: str) -> bool:
        task = self._streaming.get(candidate_id)
        if task is None:
            return False
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return True

    def running(self) -> set[str]:
        return set(self._streaming)

    async def wait_all(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _run(self, pipeline_id: str, plan: CandidatePlan, record: Recorder) -> None:
        cid = plan.candidate_id
        parts: list[str] = []
        started = time.monotonic()

        def on_chunk(text: str) -> None:
            parts.append(text)
            self._hub.publish_chunk(pipeline_id, cid, text)

        async def on_retry(model: str, attempt: int, reason: str) -> None:
            await record(pipeline_id, lambda p, now: p.record_retry(cid, model, attempt, reason, now))

        async def on_fallback(old: str, new: str, reason: str) -> None:
            parts.clear()
            await record(pipeline_id, lambda p, now: p.record_fallback(cid, old, new, reason, now))

        hooks = CandidateHooks(on_chunk=on_chunk, on_restart=parts.clear, on_retry=on_retry, on_fallback=on_fallback)
        try:
            async with self._slots:
                completion = await self._runner.run(plan.chain, plan.request, hooks)
        except asyncio.CancelledError:
            await self._finish(pipeline_id, cid, record, lambda p, now: p.cancel_candidate(cid, now, "".join(parts)))
            return
        except ModelError as exc:
            error, model = str(exc), exc.model_id
            await self._finish(
                pipeline_id, cid, record, lambda p, now: p.fail_candidate(cid, model, error, now, "".join(parts))
            )
            return
        except Exception as exc:  # a bug in an adapter must not take the other candidates down
            log.exception("candidate %s failed unexpectedly", cid)
            error = f"internal error: {type(exc).__name__}: {exc}"
            await self._finish(pipeline_id, cid, record, lambda p, now: p.fail_candidate(cid, "", error, now))
            return
        output = self._output(plan, completion.model_id, completion.text, completion, started)
        await self._finish(pipeline_id, cid, record, lambda p, now: p.complete_candidate(cid, output, now))

    async def _finish(self, pipeline_id: str, cid: str, record: Recorder, command: Command) -> None:
        self._streaming.pop(cid, None)
        try:
            await record(pipeline_id, command)
        except Exception:
            log.exception("could not record the outcome of candidate %s", cid)

    def _output(
        self, plan: CandidatePlan, model: str, text: str, completion: object, started: float
    ) -> CandidateOutput:
        reported = (getattr(completion, "input_tokens", None), getattr(completion, "output_tokens", None))
        usage = self._prices.usage(model, plan.request.prompt, text, reported)
        return CandidateOutput(
            model=model, text=text, prompt=plan.request.prompt, system=plan.request.system,
            input_tokens=usage.input_tokens, output_tokens=usage.output_tokens, usage_estimated=usage.estimated,
            cost=usage.cost, duration_ms=int((time.monotonic() - started) * 1000),
        )  # fmt: skip

    async def merge_text(
        self, texts: Sequence[str], instruction: str, model: str | None, pipeline_id: str
    ) -> tuple[str, str]:
        """Ask a model to merge texts; returns (model id, merged text). Raises ModelError."""
        drafts = "\n\n".join(f"--- Draft {i} ---\n{t}" for i, t in enumerate(texts, 1))
        prompt = f"Merge these drafts into one text. {instruction}\n\n{drafts}\n\nReply with the merged text only."
        model_id = self._models.resolve(model or self.default_model)
        hooks = CandidateHooks(
            on_chunk=lambda t: self._hub.publish_chunk(pipeline_id, "merge", t),
            on_restart=lambda: None,
            on_retry=_ignore,
            on_fallback=_ignore,
        )
        completion = await self._runner.run((model_id,), ModelRequest(model_id=model_id, prompt=prompt), hooks)
        return completion.model_id, completion.text


async def _ignore(*_: str | int) -> None:
    return None


def pipeline_candidate(pipeline: Pipeline, step: str, candidate_id: str) -> str:
    if candidate_id not in pipeline.step_state(step).candidate_ids:
        raise UnknownCandidateError(candidate_id, step)
    return candidate_id


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
