"""The composition root: the only place where adapters are chosen and wired to the application."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import lmdb

from writeit.adapters.lmdb.cancels import LmdbCancelRequests
from writeit.adapters.lmdb.environment import open_environment, store_in_use
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.lmdb.projection_store import LmdbProjectionStore
from writeit.adapters.lmdb.snapshots import LmdbSnapshotStore
from writeit.application.cache import ResponseRecorder
from writeit.application.errors import ApplicationError, StoreError
from writeit.application.follower import LogFollower
from writeit.application.hub import StreamHub
from writeit.application.liveness import Liveness
from writeit.application.ports import EventStore, ProjectionStore, ResponseCache, Signals, SnapshotStore
from writeit.application.recovery import recover_dead_sessions
from writeit.application.repository import PipelineRepository
from writeit.application.workspaces import WorkspaceError, WorkspaceService
from writeit.domain.errors import DomainError
from writeit.entrypoints import config_files
from writeit.entrypoints.di import providers
from writeit.entrypoints.logs import configure_logging
from writeit.entrypoints.process import local_liveness, session_name
from writeit.entrypoints.settings import STORE_URL_PATTERN, Settings

# What only writing needs (the model layer, templates, the use cases) is imported by the factories below when
# first provided, so that opening a store to read it (`writeit pipelines list`) loads none of it.
if TYPE_CHECKING:
    from writeit.adapters.documents.yaml_writer import YamlDocumentWriter
    from writeit.adapters.files.recipes import FileRecipeBook
    from writeit.adapters.files.workspaces import DirectoryWorkspaces
    from writeit.adapters.llm.fragments import LlmFragments
    from writeit.adapters.llm.language_model import LlmLanguageModel
    from writeit.adapters.llm.llm_logs import LlmLogs
    from writeit.adapters.postgres.database import PostgresDatabase
    from writeit.adapters.templates.catalog import FileTemplateCatalog
    from writeit.application.budget import Budget
    from writeit.application.generation import StepGenerator
    from writeit.application.leaderboard import PreferenceService
    from writeit.application.preflight import Preflight
    from writeit.application.runner import ModelRunner, RetryPolicy
    from writeit.application.service import PipelineService
    from writeit.application.templates import TemplateService
    from writeit.application.usage import PriceTable

# The workspace's store: LMDB by default, PostgreSQL when `store` is a URL (imported only then: it costs memory).
Store: TypeAlias = "lmdb.Environment | PostgresDatabase"


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


def _open_store(settings: Settings) -> Iterator[Store]:
    """The active workspace's store; a workspace other than `default` must have been created first, so a
    mistyped `--workspace` never starts an empty one silently."""
    if settings.workspace != "default" and not settings.workspace_dir.is_dir():
        raise WorkspaceError(
            f"no workspace '{settings.workspace}' (create it with `writeit workspace create {settings.workspace}`)"
        )
    if settings.store:
        from writeit.adapters.postgres.database import open_database

        yield from open_database(settings.store, settings.workspace)
    else:
        yield from open_environment(settings.store_path, settings.map_size)


def _event_store(environment: Store) -> Iterator[EventStore]:
    if isinstance(environment, lmdb.Environment):
        store: LmdbEventStore | Any = LmdbEventStore(environment)
    else:
        from writeit.adapters.postgres.event_store import PostgresEventStore

        store = PostgresEventStore(environment)
    try:
        yield store
    finally:
        store.close()  # drain queued appends before the store closes


def _projections(environment: Store) -> ProjectionStore:
    if isinstance(environment, lmdb.Environment):
        return LmdbProjectionStore(environment)
    from writeit.adapters.postgres.projection_store import PostgresProjectionStore

    return PostgresProjectionStore(environment)


def _snapshots(environment: Store) -> SnapshotStore:
    if isinstance(environment, lmdb.Environment):
        return LmdbSnapshotStore(environment)
    from writeit.adapters.postgres.snapshots import PostgresSnapshotStore

    return PostgresSnapshotStore(environment)


def _response_cache(environment: Store) -> ResponseCache:
    if isinstance(environment, lmdb.Environment):
        from writeit.adapters.lmdb.response_cache import LmdbResponseCache

        return LmdbResponseCache(environment)
    from writeit.adapters.postgres.response_cache import PostgresResponseCache

    return PostgresResponseCache(environment)


def _hub(environment: Store) -> Iterator[StreamHub]:
    """Live messages: token chunks cross to the other workers of a PostgreSQL workspace (events always do)."""
    if isinstance(environment, lmdb.Environment):
        yield StreamHub()
        return
    from writeit.adapters.postgres.relay import RelayedHub

    hub = RelayedHub(environment)
    try:
        yield hub
    finally:
        hub.close()


def _signals(environment: Store) -> Iterator[Signals]:
    """Cancel requests between the processes on a store; on PostgreSQL, log wake-ups and leases too."""
    if isinstance(environment, lmdb.Environment):
        yield Signals(cancels=LmdbCancelRequests(environment))
        return
    from writeit.adapters.postgres.control import open_signals

    yield from open_signals(environment)


def _backup(environment: Store, target: Path) -> int:
    if not isinstance(environment, lmdb.Environment):
        raise StoreError(f"this workspace is stored in PostgreSQL ({environment.where}): back it up with pg_dump")
    from writeit.adapters.lmdb.backup import backup_environment

    return backup_environment(environment, target)


def _restore(settings: Settings, source: Path) -> Path | None:
    if settings.store:
        raise StoreError("this workspace is stored in PostgreSQL (setting `store`): restore it with pg_restore")
    from writeit.adapters.lmdb.backup import restore_environment

    return restore_environment(source, store=settings.store_path)


_Live = contextlib.AbstractAsyncContextManager[None] | contextlib.nullcontext[None]


def _live(
    repository: PipelineRepository,
    store: EventStore,
    hub: StreamHub,
    liveness: Liveness,
    signals: Signals,
    generators: list[StepGenerator],
) -> _Live:
    """Opening the store recovers dead processes' candidates, then follows the log for the rest of the session
    (and, on PostgreSQL, keeps this process's lease, reaps lapsed ones and stops what other workers ask to).

    Returned as an async context manager when an event loop runs (as `opened` runs it: the CLI, the TUI, serve);
    provided outside one (a synchronous caller of `container.live()`), it is neither.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return contextlib.nullcontext()
    return _recovered_and_following(repository, store, hub, liveness, signals, generators)


@contextlib.asynccontextmanager
async def _recovered_and_following(
    repository: PipelineRepository,
    store: EventStore,
    hub: StreamHub,
    liveness: Liveness,
    signals: Signals,
    generators: list[StepGenerator],
) -> AsyncIterator[None]:
    # Through the repository, not the service: the services are made later, once a command has applied its
    # options (`run --budget`, say) to the settings they read.
    try:
        await liveness.beat()
        await recover_dead_sessions(repository, liveness, _now)
    except (ApplicationError, DomainError) as exc:  # one unreadable pipeline must not stop the store opening
        logging.getLogger("writeit.recovery").warning("recovery on open failed: %s", exc)
    if signals.cancels is not None:  # another worker's client asks to stop a candidate running here
        signals.cancels.bind(liveness.session, partial(_cancel_here, generators))
    # Events other processes store reach this process's subscribers (a TUI sees what `serve` or `run` did).
    follower = LogFollower(store, hub, wakeup=signals.wakeup)
    await follower.start()
    tasks = [
        asyncio.create_task(follower.run(), name="writeit-log-follower"),
        asyncio.create_task(liveness.run(repository, _now), name="writeit-lease"),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if signals.cancels is not None:
            signals.cancels.unbind()
        await liveness.release()


async def _cancel_here(generators: list[StepGenerator], _pipeline_id: str, candidate_id: str) -> bool:
    """Stop `candidate_id` if a generator of this process runs it (none made: nothing runs here)."""
    return any([await generator.cancel(candidate_id) for generator in generators])


def _completion_log(enabled: bool) -> LlmLogs | None:
    from writeit.adapters.llm.llm_logs import LlmLogs

    return LlmLogs() if enabled else None  # the `log_to_llm` setting: off unless the writer asks


@contextlib.contextmanager
def event_store_at(location: str, workspace: str, map_size: int = 1 << 30) -> Iterator[EventStore]:
    """The event store at `location` (a postgresql:// URL: the workspace's schema there; else an LMDB directory),
    open for the duration: where `writeit store migrate` copies a workspace to."""
    opened: contextlib.AbstractContextManager[Store]
    if re.match(STORE_URL_PATTERN, location):
        from writeit.adapters.postgres.database import open_database

        opened = contextlib.contextmanager(open_database)(location, workspace)
    else:
        opened = contextlib.contextmanager(open_environment)(Path(location).expanduser(), map_size)
    with opened as environment:
        yield from _event_store(environment)


def _activator(home: Path) -> Callable[[str], None]:
    return lambda name: config_files.write(config_files.global_config(home), "workspace", name)


def _settings(options: Mapping[str, Any] | None) -> Settings:
    """The settings from the environment and the config files, with the command line's options (those given)
    over them."""
    settings = Settings.load()
    given = {name: value for name, value in (options or {}).items() if value is not None}
    return settings.replaced(**given) if given else settings


# ----- what writing needs, imported when first provided (see the imports) ---------------------------------
def _catalog(search_dirs: list[tuple[str, Path]], styles_dirs: list[Path]) -> FileTemplateCatalog:
    from writeit.adapters.templates.catalog import FileTemplateCatalog

    return FileTemplateCatalog(search_dirs=search_dirs, styles_dirs=styles_dirs)


def _language_model(instances: int) -> LlmLanguageModel:
    from writeit.adapters.llm.language_model import LlmLanguageModel

    return LlmLanguageModel(instances=instances)


def _default_model(configured: str | None) -> str:
    from writeit.adapters.llm.defaults import default_model_id

    return default_model_id(configured)


def _prices(files: list[Path]) -> PriceTable:
    from writeit.adapters.llm.prices import load_price_table

    return load_price_table(files)


def _fragments(allow_private_urls: bool) -> LlmFragments:
    from writeit.adapters.llm.fragments import LlmFragments

    return LlmFragments(allow_private_urls=allow_private_urls)


def _recipes(files: list[tuple[str, Path]]) -> FileRecipeBook:
    from writeit.adapters.files.recipes import FileRecipeBook

    return FileRecipeBook(files)


def _workspace_storage(home: Path, set_active: Callable[[str], None]) -> DirectoryWorkspaces:
    from writeit.adapters.files.workspaces import DirectoryWorkspaces

    return DirectoryWorkspaces(home, active=config_files.active_workspace, set_active=set_active, in_use=store_in_use)


def _retry_policy(**kwargs: Any) -> RetryPolicy:
    from writeit.application.runner import RetryPolicy

    return RetryPolicy(**kwargs)


def _runner(*args: Any) -> ModelRunner:
    from writeit.application.runner import ModelRunner

    return ModelRunner(*args)


def _budget(**kwargs: Any) -> Budget:
    from writeit.application.budget import Budget

    return Budget(**kwargs)


def _generator(made: list[StepGenerator], *args: Any, **kwargs: Any) -> StepGenerator:
    from writeit.application.generation import StepGenerator

    made.append(StepGenerator(*args, **kwargs))
    return made[-1]


def _preflight(*args: Any, **kwargs: Any) -> Preflight:
    from writeit.application.preflight import Preflight

    return Preflight(*args, **kwargs)


def _yaml_writer() -> YamlDocumentWriter:
    from writeit.adapters.documents.yaml_writer import YamlDocumentWriter

    return YamlDocumentWriter()


def _pipeline_service(*args: Any, **kwargs: Any) -> PipelineService:
    from writeit.application.service import PipelineService

    return PipelineService(*args, **kwargs)


def _template_service(catalog: FileTemplateCatalog) -> TemplateService:
    from writeit.application.templates import TemplateService

    return TemplateService(catalog)


def _preference_service(*args: Any) -> PreferenceService:
    from writeit.application.leaderboard import PreferenceService

    return PreferenceService(*args)


class Container:
    """The composition root: the providers of every adapter and use case, made anew for each container.

    Built from dependency-injector's providers (the Resource, Singleton and Configuration providers, their
    `override` for the tests' fakes, `init`/`shutdown` of each resource), without its DeclarativeContainer:
    importing `dependency_injector.containers` imports its `wiring` module, which imports fastapi, starlette and
    werkzeug whenever they are installed (4.49.1, no switch): 330 ms and 48 MB in a fresh process beside 93 ms
    and 29 MB for `providers` alone (bare python: 11 MB), in every process, a listing or an idle TUI included.
    WriteIt wires nothing (entrypoints call the providers), so the container is a class of providers and
    `init_resources`/`shutdown_resources` below do what the DeclarativeContainer's do.
    """

    def __init__(self) -> None:
        self.options = providers.Configuration()  # a command's settings (`run --budget`, say): see `opened`
        self.settings = providers.Singleton(_settings, self.options)

        self.logging = providers.Resource(
            configure_logging, home=self.settings.provided.home, level=self.settings.provided.log_level
        )
        self.environment = providers.Resource(_open_store, self.settings)
        self.event_store = providers.Resource(_event_store, self.environment)
        self.backup = providers.Callable(_backup, self.environment)
        self.restore = providers.Callable(_restore, self.settings)
        self.hub = providers.Resource(_hub, self.environment)
        self.signals = providers.Resource(_signals, self.environment)
        self.liveness = providers.Singleton(
            Liveness,
            local_liveness,
            providers.Callable(session_name),
            leases=self.signals.provided.leases,
            seconds=self.settings.provided.lease_seconds,
        )
        self.projections = providers.Singleton(_projections, self.environment)
        self.snapshots = providers.Singleton(_snapshots, self.environment)
        self.repository = providers.Singleton(
            PipelineRepository, self.event_store, self.hub, self.projections, self.snapshots
        )

        self.catalog = providers.Singleton(
            _catalog, search_dirs=self.settings.provided.template_dirs, styles_dirs=self.settings.provided.style_dirs
        )
        self.language_model = providers.Singleton(_language_model, instances=self.settings.provided.local_instances)
        self.default_model = providers.Singleton(_default_model, self.settings.provided.default_model)
        self.retry_policy = providers.Singleton(
            _retry_policy,
            attempts=self.settings.provided.retry_attempts,
            max_elapsed=self.settings.provided.retry_max_seconds,
            idle_timeout=self.settings.provided.model_timeout,
        )
        self.response_cache = providers.Singleton(_response_cache, self.environment)
        self.recorder = providers.Singleton(ResponseRecorder, self.response_cache, self.settings.provided.cache)
        self.runner = providers.Singleton(_runner, self.language_model, self.retry_policy, self.recorder)
        self.prices = providers.Singleton(_prices, self.settings.provided.price_files)
        self.budget = providers.Singleton(
            _budget, limit=self.settings.provided.budget_usd, output_guess=self.settings.provided.output_tokens_guess
        )
        self.generators: providers.Singleton[list[StepGenerator]] = providers.Singleton(
            list
        )  # those made: only they can have candidates running at the end
        self.generator = providers.Singleton(
            _generator,
            self.generators,
            self.runner,
            self.language_model,
            self.catalog,
            self.hub,
            self.prices,
            new_id=_new_id,
            default_model=self.default_model.provider,  # resolved on first use: it imports llm and loads its plugins
            concurrency=self.settings.provided.concurrency,
            session=providers.Callable(session_name),
            budget=self.budget,
            completions=providers.Singleton(_completion_log, self.settings.provided.log_to_llm),
        )
        self.templates = providers.Singleton(_template_service, self.catalog)
        self.workspace_storage = providers.Singleton(
            _workspace_storage,
            self.settings.provided.home,
            set_active=providers.Callable(_activator, self.settings.provided.home),
        )
        self.workspaces = providers.Singleton(WorkspaceService, self.workspace_storage)
        self.preflight = providers.Singleton(
            _preflight,
            self.catalog,
            self.language_model.provided.resolve,
            self.default_model.provider,
            infos=self.language_model.provided.models,
            prices=self.prices,
            budget=self.budget,
            recorder=self.recorder,
        )
        self.fragments = providers.Singleton(
            _fragments, allow_private_urls=self.settings.provided.fragments_private_urls
        )
        self.recipes = providers.Singleton(_recipes, self.settings.provided.recipe_files)
        self.pipelines = providers.Singleton(
            _pipeline_service,
            self.repository,
            self.catalog,
            self.generator,
            self.hub,
            clock=_now,
            new_id=_new_id,
            is_alive=self.liveness,
            cancels=self.signals.provided.cancels,
            preflight=self.preflight,
            fragments=self.fragments,
            recipes=self.recipes,
            yaml=providers.Singleton(_yaml_writer),
        )
        self.preferences = providers.Singleton(_preference_service, self.event_store, self.projections, self.repository)
        self.live = providers.Resource(
            _live, self.repository, self.event_store, self.hub, self.liveness, self.signals, self.generators
        )

    def _resources(self) -> list[providers.BaseResource[Any]]:
        """The resources in the order they are declared (each after those it needs, logging first), then those
        a test's override put in their place."""
        declared = [p for p in vars(self).values() if isinstance(p, providers.BaseResource)]
        overriding = [p for p in providers.traverse(*declared) if isinstance(p, providers.BaseResource)]
        return [*declared, *(p for p in overriding if p not in declared)]

    async def init_resources(self) -> None:
        """Every resource opened, one after the other in their order (a resource another needs is opened by it
        first), so that logging is set up before the store's recovery may log. If one cannot open (a bad
        setting, a store in use), those already open are closed and its error goes on."""
        try:
            for resource in self._resources():
                opening = resource.init()
                if inspect.isawaitable(opening):
                    await opening
        except BaseException:
            with contextlib.suppress(Exception):  # the error to report is the one that stopped the opening
                await self.shutdown_resources()
            raise

    async def shutdown_resources(self) -> None:
        """Every open resource closed, each only once no open resource that needs it is left, logging last (what
        the others log while closing is kept). One that fails to close does not keep the others open: the first
        failure is raised once all are closed."""
        resources = self._resources()
        needs = {r: {*providers.traverse(r), self.logging} - {r} for r in resources}
        failures: list[Exception] = []
        while open_ := [resource for resource in resources if resource.initialized]:
            free = [r for r in open_ if not any(r in needs[other] for other in open_)]
            if not free:
                raise RuntimeError("resources need each other in a cycle: no order to close them in")
            for resource in free:  # a resource is marked closed before its own closing code runs
                try:
                    closing = resource.shutdown()
                    if inspect.isawaitable(closing):
                        await closing
                except Exception as exc:
                    failures.append(exc)
        if failures:
            raise failures[0]


@contextlib.asynccontextmanager
async def opened(
    container: Container | None = None, *, options: Mapping[str, Any] | None = None, cancel_running: bool = False
) -> AsyncIterator[Container]:
    """The one lifecycle of every entrypoint (TUI, API, CLI) and the tests: the container's resources opened
    (the store, its recovery and log follower), then, on leaving, the candidates still running stopped
    (`cancel_running`, keeping their partial text) or waited for, and the resources closed.

    `options`: settings given on the command line (names of Settings), over those of the environment and the
    config files. Tests give fakes with `container.<provider>.override(...)` before opening it.
    """
    container = container or Container()
    if options:
        container.options.from_dict(dict(options))
    await container.init_resources()
    try:
        yield container
    finally:
        try:
            if container.generators():  # else nothing was generated, and the use cases need not load
                if cancel_running:
                    await container.pipelines().cancel_all()
                await container.pipelines().wait_idle()
        finally:
            await container.shutdown_resources()
