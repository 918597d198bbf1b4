"""Headless runs: every step generated in turn and a candidate picked by a strategy (for scripts and CI)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from writeit.application.budget import CostEstimate
from writeit.application.errors import ApplicationError
from writeit.application.hub import EventMessage, Message, TokenMessage
from writeit.application.pick import PickStrategy, pick
from writeit.application.rounds import current_round
from writeit.application.service import PipelineService
from writeit.application.views import CandidateView, PipelineView, StepView
from writeit.domain.events import Event


class NoCandidateError(ApplicationError):
    """Every candidate of a step failed, so nothing can be picked."""


class AutopilotObserver(Protocol):
    def step_started(self, step: StepView, candidate_ids: Sequence[str], estimate: CostEstimate | None) -> None: ...

    def chunk(self, candidate_id: str, text: str) -> None: ...

    def restart(self, candidate_id: str) -> None:
        """The candidate's text so far is void (a retry or a fallback restarted it); its next chunks start anew."""
        ...

    def step_finished(self, step: StepView, chosen: CandidateView) -> None: ...


EventCallback = Callable[[Event], None]


async def run_headless(
    service: PipelineService,
    template: str,
    inputs: Mapping[str, Any],
    *,
    models: Sequence[str] = (),
    strategy: PickStrategy = PickStrategy.FIRST,
    observer: AutopilotObserver,
    pipeline_id: str | None = None,
    on_event: EventCallback | None = None,
    fragments: Sequence[str] = (),
) -> PipelineView:
    """Start (or continue) a pipeline and drive it to its last step; raises NoCandidateError if a step fails.

    `models` are recorded with a new pipeline (so a later session uses them too) or, continuing one, asked for
    the steps run now. `on_event` sees each event stored while a step generates (a candidate finishing, say)."""
    service.check_models(models)
    if pipeline_id:
        view = await service.get(pipeline_id)
    else:
        view = await service.start(template, inputs, models, fragments=fragments)
    while not view.completed:
        key = view.current_step
        await _generate_step(service, view.id, view.version, key, models, observer, on_event)
        step = (await service.get(view.id)).step(key)
        chosen = pick(current_round(step), strategy)
        if chosen is None:
            errors = "; ".join(c.error for c in step.candidates if c.error) or "no candidate completed"
            raise NoCandidateError(f"step '{key}' produced nothing to pick: {errors}")
        view = await service.select(view.id, key, chosen.id)
        observer.step_finished(view.step(key), chosen)
    return view


async def _generate_step(
    service: PipelineService,
    pipeline_id: str,
    after: int,
    key: str,
    models: Sequence[str],
    observer: AutopilotObserver,
    on_event: EventCallback | None,
) -> None:
    with await service.follow(pipeline_id, after) as following:
        generation = await service.generate(pipeline_id, key, models=list(models) or None)
        step = (await service.get(pipeline_id)).step(key)
        observer.step_started(step, generation.candidate_ids, generation.estimate)

        async def forward() -> None:
            async for message in following:
                _deliver(message, observer, on_event)

        forwarder = asyncio.create_task(forward())
        try:
            await generation.wait()
        finally:
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await forwarder
            # What was still waiting when the round ended reaches the observer too.
            for message in following.drain():
                _deliver(message, observer, on_event)


def _deliver(message: Message, observer: AutopilotObserver, on_event: EventCallback | None) -> None:
    if isinstance(message, EventMessage):
        if on_event is not None:
            on_event(message.event)
    elif isinstance(message, TokenMessage):
        if message.reset:
            observer.restart(message.candidate_id)
        else:
            observer.chunk(message.candidate_id, message.text)
