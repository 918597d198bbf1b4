"""A PipelineService on in-memory fakes with every generation knob exposed: concurrency, retries, cache, budget."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, overload

from tests.unit.builders import Clock
from tests.unit.container_world import Fakes, Knobs, unit_container
from tests.unit.service_fixtures import THREE_STEPS, Ids
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.adapters.memory.language_model import ScriptedLanguageModel, ScriptLike
from writeit.adapters.memory.response_cache import InMemoryResponseCache
from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.application.budget import Budget
from writeit.application.cache import CacheMode
from writeit.application.generation import StepGenerator
from writeit.application.hub import Message, StreamHub
from writeit.application.ports import ChunkCallback, Completion, ModelRequest, ResponseCache
from writeit.application.runner import RetryPolicy
from writeit.application.service import PipelineService
from writeit.application.usage import PriceTable
from writeit.domain.events import Event
from writeit.entrypoints.container import Container

E = TypeVar("E", bound=Event)
FAST_RETRIES = RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002)


class CountingModels(ScriptedLanguageModel):
    """The scripted fake, also counting how many completions run at once."""

    def __init__(self, scripts: Mapping[str, ScriptLike] | None = None, *, echo_unknown: bool = False) -> None:
        super().__init__(scripts, echo=("echo",), echo_unknown=echo_unknown)
        self.active = 0
        self.peak = 0

    async def complete(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            return await super().complete(request, on_chunk)
        finally:
            self.active -= 1


@dataclass
class GenerationWorld:
    service: PipelineService
    store: InMemoryEventStore
    models: CountingModels
    hub: StreamHub
    cache: ResponseCache | None
    templates: Path
    generator: StepGenerator
    container: Container
    messages: list[Message] = field(default_factory=list)

    def template(self, name: str, yaml_text: str) -> None:
        (self.templates / f"{name}.yaml").write_text(yaml_text)

    @overload
    async def events(self, pipeline_id: str) -> list[Event]: ...
    @overload
    async def events(self, pipeline_id: str, kind: type[E]) -> list[E]: ...
    async def events(self, pipeline_id: str, kind: type[Event] = Event) -> list[Any]:
        return [e for e in await self.store.read(pipeline_id) if isinstance(e, kind)]


def generation_world(
    root: Path,
    scripts: Mapping[str, ScriptLike] | None = None,
    *,
    concurrency: int = 8,
    policy: RetryPolicy = FAST_RETRIES,
    cache_mode: CacheMode = CacheMode.OFF,
    cache: ResponseCache | None = None,
    budget: Budget | None = None,
    prices: PriceTable | None = None,
    models: CountingModels | None = None,
) -> GenerationWorld:
    templates = root / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "three.yaml").write_text(THREE_STEPS)
    if cache is None and cache_mode is not CacheMode.OFF:
        cache = InMemoryResponseCache()
    models = models or CountingModels(scripts)
    fakes = Fakes(
        store=InMemoryEventStore(),
        models=models,
        hub=StreamHub(),
        catalog=FileTemplateCatalog([("workspace", templates)]),
        projections=None,
        cache=cache,
        cache_mode=cache_mode,
        prices=prices or PriceTable(),
        policy=policy,
        budget=budget,
    )
    container = unit_container(fakes, Knobs(new_id=Ids("g"), clock=Clock(), concurrency=concurrency))
    return GenerationWorld(
        container.pipelines(), fakes.store, models, fakes.hub, cache, templates, container.generator(), container
    )


async def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll `condition` on the loop until it holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)
