"""A PipelineService wired on in-memory adapters (and the real template catalog, which reads only package files)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.unit.builders import Clock
from tests.unit.container_world import Fakes, Knobs, unit_container
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.adapters.memory.language_model import ScriptedLanguageModel, ScriptLike
from writeit.adapters.memory.projection_store import InMemoryProjectionStore
from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.application.budget import Budget
from writeit.application.hub import StreamHub
from writeit.application.runner import RetryPolicy
from writeit.application.service import PipelineService
from writeit.application.usage import Price, PriceTable
from writeit.entrypoints.container import Container

THREE_STEPS = """
metadata: {name: three}
inputs:
  topic: {type: text, required: true}
steps:
  angles:
    name: Angles
    prompt_template: "Angles on {{ inputs.topic }}"
    response_count: 2
  outline:
    name: Outline
    prompt_template: "Outline from {{ steps.angles }}"
  draft:
    name: Draft
    prompt_template: "Draft from {{ steps.outline }}"
"""


@dataclass
class World:
    service: PipelineService
    store: InMemoryEventStore
    models: ScriptedLanguageModel
    hub: StreamHub
    container: Container


class Ids:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.prefix}-{self.n:04d}"


def world(
    root: Path,
    scripts: Mapping[str, ScriptLike] | None = None,
    default_model: str = "echo",
    store: InMemoryEventStore | None = None,
    session: str = "process-1",
    alive: frozenset[str] = frozenset(),
    budget: Budget | None = None,
) -> World:
    """A service over `store` (a new one by default: pass another world's to play a second process), wired by
    the production container with the fakes put in through `override`."""
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "three.yaml").write_text(THREE_STEPS)
    models = ScriptedLanguageModel(scripts, echo=("echo",))
    fakes = Fakes(
        store=store or InMemoryEventStore(),
        models=models,
        hub=StreamHub(),
        catalog=FileTemplateCatalog([("workspace", root / "templates")]),
        projections=InMemoryProjectionStore(),
        prices=PriceTable({"paid": Price(input=1.0, output=2.0)}),
        policy=RetryPolicy(attempts=3, initial_wait=0.001, max_wait=0.002),
        budget=budget,
        default_model=default_model,
    )
    knobs = Knobs(new_id=Ids(session), clock=Clock(), session=session, is_alive=alive.__contains__)
    container = unit_container(fakes, knobs)
    return World(container.pipelines(), fakes.store, models, fakes.hub, container)
