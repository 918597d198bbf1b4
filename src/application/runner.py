"""Runs one candidate: a fallback chain of models, each answered from recordings or retried with backoff."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, replace

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from writeit.application.cache import ResponseRecorder, cache_key
from writeit.application.errors import ModelError
from writeit.application.ports import ChunkCallback, Completion, LanguageModel, ModelRequest

RetryHook = Callable[[str, int, str], Awaitable[None]]
FallbackHook = Callable[[str, str, str], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Retries of transient errors: at most `attempts` per model, none started after `max_elapsed` seconds.

    An attempt that produces nothing for `idle_timeout` seconds is abandoned as a transient timeout.
    """

    attempts: int = 3
    initial_wait: float = 0.5
    max_wait: float = 8.0
    max_elapsed: float = 60.0
    idle_timeout: float = 120.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateHooks:
    """How the runner reports what happened on the way: each retry, each fall-through, each restart."""

    on_chunk: ChunkCallback
    on_restart: Callable[[], None]
    on_retry: RetryHook
    on_fallback: FallbackHook


@dataclass(frozen=True, slots=True)
class Answer:
    completion: Completion
    cached: bool = False
    seed: int | None = None


def sample_seed(request: ModelRequest, sample: int) -> int:
    """The sampling seed of one sample of a request: each sample its own (two candidates of one local model would
    otherwise be word for word the same), and the same in any pipeline that asks for that sample, as the
    recording is, so a replay records the seed its answer was made with."""
    return int(cache_key(request, sample)[:8], 16)


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, ModelError) and exc.transient


class _AsProviderAsks(wait_base):
    """Our backoff, or longer when the provider said how long to wait (Retry-After): retrying sooner only
    earns another 429. A wait past the retry time limit stops the retries (`_PastTimeLimit`)."""

    def __init__(self, backoff: wait_base) -> None:
        self._backoff = backoff

    def __call__(self, retry_state: RetryCallState) -> float:
        ours = self._backoff(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = exc.retry_after if isinstance(exc, ModelError) else None
        return max(ours, asked) if asked is not None else ours


class _RetryClock:
    """Seconds spent on one model (its attempts and the waits between them), not queued for a concurrency
    slot behind other candidates: that queue must not use up the model's retry time."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._started = self._loop.time()
        self._queued = 0.0

    @contextlib.asynccontextmanager
    async def through(self, gate: AbstractAsyncContextManager[object]) -> AsyncIterator[None]:
        waiting = self._loop.time()
        async with gate:
            self._queued += self._loop.time() - waiting
            yield

    def elapsed(self) -> float:
        return self._loop.time() - self._started - self._queued


class _PastTimeLimit(stop_base):
    """Stop before a retry that would start past the time limit (as tenacity's stop_before_delay, on our clock)."""

    def __init__(self, clock: _RetryClock, limit: float) -> None:
        self._clock, self._limit = clock, limit

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._clock.elapsed() + (retry_state.upcoming_sleep or 0.0) >= self._limit


def _why_given_up(exc: ModelError, tries: int, elapsed: float, policy: RetryPolicy) -> str:
    """What the last error alone would hide: how many chances the model had, and what ended them."""
    if not exc.transient or tries >= policy.attempts:
        return f" (gave up after {tries} attempts)" if tries > 1 else ""
    asked = exc.retry_after
    # The longest our own backoff could have been before this retry (exponential, capped, plus jitter).
    ours = min(policy.initial_wait * 2 ** (tries - 1), policy.max_wait) + policy.initial_wait
    if asked is not None and asked > ours and elapsed + ours < policy.max_elapsed <= elapsed + asked:
        return (
            f" (gave up after {tries} attempt(s): the provider asked to wait {asked:g} s, past the "
            f"{policy.max_elapsed:g} s retry limit)"
        )
    return f" (gave up after {tries} attempt(s) and {elapsed:.1f} s: the retry time limit is {policy.max_elapsed:g} s)"


class ModelRunner:
    """First model of the chain that answers wins; a failure a retry cannot fix falls through to the next."""

    def __init__(
        self,
        models: LanguageModel,
        policy: RetryPolicy | None = None,
        recorder: ResponseRecorder | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._models = models
        self._policy = policy or RetryPolicy()
        self._recorder = recorder or ResponseRecorder()
        self._sleep = sleep

    async def run(
        self,
        chain: tuple[str, ...],
        request: ModelRequest,
        hooks: CandidateHooks,
        sample: int = 0,
        gate: AbstractAsyncContextManager[object] | None = None,
    ) -> Answer:
        """The answer of the first model in `chain` that gives one; raises the last model's ModelError.

        `gate` is held around each call of a model only (the caller's concurrency limit), never while waiting to
        retry: a rate-limited model waiting out its Retry-After must not keep other candidates from running.
        """
        last: ModelError | None = None
        for index, model_id in enumerate(chain):
            if index > 0 and last is not None:
                await hooks.on_fallback(chain[index - 1], model_id, str(last))
            try:
                return await self._answer(replace(request, model_id=model_id), hooks, sample, gate or nullcontext())
            except ModelError as exc:
                last = exc
        if last is None:
            raise ValueError("a candidate needs at least one model")
        raise last

    async def _answer(
        self, request: ModelRequest, hooks: CandidateHooks, sample: int, gate: AbstractAsyncContextManager[object]
    ) -> Answer:
        request = replace(request, seed=sample_seed(request, sample) if request.seed is None else request.seed)
        recorded = await self._recorder.lookup(request, sample)
        if recorded is not None:
            hooks.on_chunk(recorded.text)
            return Answer(recorded, cached=True, seed=request.seed)
        completion = await self._with_retries(request, hooks, gate)
        await self._recorder.record(request, sample, completion)
        return Answer(completion, seed=request.seed)

    async def _with_retries(
        self, request: ModelRequest, hooks: CandidateHooks, gate: AbstractAsyncContextManager[object]
    ) -> Completion:
        policy = self._policy

        async def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            hooks.on_restart()
            await hooks.on_retry(request.model_id, state.attempt_number, str(exc))

        clock = _RetryClock()
        retrying = AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(policy.attempts) | _PastTimeLimit(clock, policy.max_elapsed),
            wait=_AsProviderAsks(
                wait_exponential(multiplier=policy.initial_wait, max=policy.max_wait)
                + wait_random(0, policy.initial_wait)
            ),
            before_sleep=before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        tries = 0
        try:
            async for attempt in retrying:
                with attempt:
                    tries += 1
                    async with clock.through(gate):
                        return await self._attempt(request, hooks.on_chunk)
        except ModelError as exc:
            exc.args = (f"{exc}{_why_given_up(exc, tries, clock.elapsed(), policy)}",)
            raise
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def _attempt(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        idle = self._policy.idle_timeout
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(idle) as scope:

                def chunk(text: str) -> None:
                    scope.reschedule(loop.time() + idle)
                    on_chunk(text)

                return await self._models.complete(request, chunk)
        except TimeoutError:
            raise ModelError(request.model_id, f"timed out: no output for {idle:g} s", transient=True) from None
