"""The production container with in-memory fakes put in through dependency-injector's `override`: the unit worlds.

The generator, runner, recorder, judge, recipe book and service are the container's own, so a unit test wires its
service as `writeit` does; the ports, the knobs a test must control (ids, clock, sessions alive) and the two
providers `_overrides` says why of (preflight, fragments) are replaced. The worlds resolve `pipelines()` without
opening the container's resources, so building one stays synchronous and does no I/O; a test that wants what opening
adds (the recovery and the log follower) opens `world.container` with the entrypoints' own `opened`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dependency_injector import providers

from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.application.budget import Budget
from writeit.application.cache import CacheMode
from writeit.application.hub import StreamHub
from writeit.application.ports import LanguageModel, ProjectionStore, ResponseCache, Signals, TemplateCatalog
from writeit.application.runner import RetryPolicy
from writeit.application.service import Clock
from writeit.application.usage import PriceTable
from writeit.entrypoints.container import Container


@dataclass(frozen=True, kw_only=True)
class Fakes:
    """What a unit world puts in the container in place of the adapters `writeit` would choose."""

    store: InMemoryEventStore
    models: LanguageModel
    hub: StreamHub
    catalog: TemplateCatalog
    projections: ProjectionStore | None
    cache: ResponseCache | None = None
    cache_mode: CacheMode = CacheMode.OFF
    prices: PriceTable
    policy: RetryPolicy
    budget: Budget | None = None
    default_model: str = "echo"


@dataclass(frozen=True, kw_only=True)
class Knobs:
    """What a test fixes that the container would take from the machine: ids, the clock, which sessions live."""

    new_id: Callable[[], str]
    clock: Clock
    session: str = "process-1"
    is_alive: Callable[[str], bool] = lambda session: True
    concurrency: int = 8


def unit_container(fakes: Fakes, knobs: Knobs) -> Container:
    """A `Container` whose stores, hub, models, catalog and prices are `fakes`; the rest is the container's."""
    container = Container()
    container.options.from_dict({"concurrency": knobs.concurrency, "cache": fakes.cache_mode.value})
    for name, fake in _overrides(fakes).items():
        getattr(container, name).override(providers.Object(fake))
    container.generator.add_kwargs(new_id=knobs.new_id, session=knobs.session)
    container.pipelines.add_kwargs(clock=knobs.clock, new_id=knobs.new_id, is_alive=knobs.is_alive)
    return container


def _overrides(fakes: Fakes) -> dict[str, object]:
    return {
        "environment": None,  # nothing opens a store: each port that would read it is a fake below
        "logging": None,  # the tests' logging is pytest's
        "event_store": fakes.store,
        "hub": fakes.hub,
        "signals": Signals(),  # one process: no other to ask to cancel, no lease to keep
        "projections": fakes.projections,
        "snapshots": None,
        "response_cache": fakes.cache,
        "catalog": fakes.catalog,
        "language_model": fakes.models,
        "default_model": fakes.default_model,
        "retry_policy": fakes.policy,
        "prices": fakes.prices,
        "budget": fakes.budget,
        # The service's own preflight (models and keys): the container's also checks the budget and, in replay,
        # the recordings of the template's default models at start, which unit tests of generating step by step
        # with other models get past on purpose; tests/unit/test_preflight.py covers the full one.
        "preflight": None,
        "fragments": None,  # llm's fragment loaders read the network and files: a test gives its own
    }
