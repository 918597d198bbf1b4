"""Runs one candidate: a fallback chain of models, each retried with backoff on transient errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from writeit.application.errors import ModelError
from writeit.application.ports import ChunkCallback, Completion, LanguageModel, ModelRequest

RetryHook = Callable[[str, int, str], Awaitable[None]]
FallbackHook = Callable[[str, str, str], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    attempts: int = 3
    initial_wait: float = 0.5
    max_wait: float = 8.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateHooks:
    """How the runner reports what happened on the way: each retry, each fall-through, each restart."""

    on_chunk: ChunkCallback
    on_restart: Callable[[], None]
    on_retry: RetryHook
    on_fallback: FallbackHook


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, ModelError) and exc.transient


class ModelRunner:
    """First model of the chain that answers wins; a failure a retry cannot fix falls through to the next."""

    def __init__(self, models: LanguageModel, policy: RetryPolicy | None = None) -> None:
        self._models = models
        self._policy = policy or RetryPolicy()

    async def run(self, chain: tuple[str, ...], request: ModelRequest, hooks: CandidateHooks) -> Completion:
        last: ModelError | None = None
        for index, model_id in enumerate(chain):
            if index > 0 and last is not None:
                await hooks.on_fallback(chain[index - 1], model_id, str(last))
            try:
                return await self._with_retries(model_id, request, hooks)
            except ModelError as exc:
                last = exc
        assert last is not None
        raise last

    async def _with_retries(self, model_id: str, request: ModelRequest, hooks: CandidateHooks) -> Completion:
        policy = self._policy

        async def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            hooks.on_restart()
            await hooks.on_retry(model_id, state.attempt_number, str(exc))

        retrying = AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(policy.attempts),
            wait=wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait),
            before_sleep=before_sleep,
            reraise=True,
        )
        routed = ModelRequest(model_id=model_id, prompt=request.prompt, system=request.system, options=request.options)
        async for attempt in retrying:
            with attempt:
                return await self._models.complete(routed, hooks.on_chunk)
        raise AssertionError("unreachable: tenacity reraises the last error")
