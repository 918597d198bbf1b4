"""Running a planned round: each candidate as a task, its chunks published, each outcome recorded once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from writeit.application import activity
from writeit.application.budget import CostEstimate
from writeit.application.errors import ModelError
from writeit.application.hub import StreamHub
from writeit.application.planning import CandidatePlan, GenerationPlan
from writeit.application.ports import CompletedCandidate, CompletionLog
from writeit.application.runner import Answer, CandidateHooks, ModelRunner
from writeit.application.usage import PriceTable
from writeit.domain.pipeline import CandidateOutput, Pipeline

log = logging.getLogger("writeit.application.generation")  # the name its records had before this module was split off

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


class RoundRunner:
    """Runs the candidates of planned rounds, at most `concurrency` model calls at a time across the process."""

    def __init__(
        self,
        runner: ModelRunner,
        hub: StreamHub,
        prices: PriceTable,
        *,
        concurrency: int = 8,
        completions: CompletionLog | None = None,
    ) -> None:
        self._runner = runner
        self._completions = completions
        self._hub = hub
        self._prices = prices
        self._slots = asyncio.Semaphore(concurrency)
        self._streaming: dict[str, _Running] = {}
        self._texts: dict[str, list[str]] = {}  # what each running candidate has produced so far
        self._tasks: set[asyncio.Task[None]] = set()

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
        hooks = self._hooks(pipeline_id, cid, parts, record)
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

    def _hooks(self, pipeline_id: str, cid: str, parts: list[str], record: Recorder) -> CandidateHooks:
        """What a candidate's runner calls back: chunks published, a restart's chunks dropped, retries and
        fallbacks recorded as they happen."""

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

        return CandidateHooks(on_chunk=on_chunk, on_restart=restart, on_retry=on_retry, on_fallback=on_fallback)

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


async def ignore_hook(*_: str | int) -> None:
    return None
