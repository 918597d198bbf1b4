"""The composition root: the only place where adapters are chosen and wired to the application."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import lmdb
from dependency_injector import containers, providers

from writeit.adapters.files.workspaces import DirectoryWorkspaces
from writeit.adapters.llm.language_model import LlmLanguageModel
from writeit.adapters.lmdb.backup import backup_environment, restore_environment
from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.application.generation import StepGenerator
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository
from writeit.application.runner import ModelRunner, RetryPolicy
from writeit.application.service import PipelineService
from writeit.application.templates import TemplateService
from writeit.application.usage import PriceTable
from writeit.application.workspaces import WorkspaceService
from writeit.entrypoints import config_files
from writeit.entrypoints.logs import configure_logging
from writeit.entrypoints.process import is_alive, session_name
from writeit.entrypoints.settings import Settings


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


def _event_store(environment: lmdb.Environment) -> Iterator[LmdbEventStore]:
    store = LmdbEventStore(environment)
    try:
        yield store
    finally:
        store.close()  # drain queued appends before the environment closes


def _activator(home: Path) -> Callable[[str], None]:
    return lambda name: config_files.write(config_files.global_config(home), "workspace", name)


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    logging = providers.Resource(configure_logging, home=settings.provided.home, level=settings.provided.log_level)
    environment = providers.Resource(
        open_environment, path=settings.provided.store_path, map_size=settings.provided.map_size
    )
    event_store = providers.Resource(_event_store, environment)
    backup = providers.Callable(backup_environment, environment)
    restore = providers.Callable(restore_environment, store=settings.provided.store_path)
    hub = providers.Singleton(StreamHub)
    repository = providers.Singleton(PipelineRepository, event_store, hub)

    catalog = providers.Singleton(
        FileTemplateCatalog, search_dirs=settings.provided.template_dirs, styles_dirs=settings.provided.style_dirs
    )
    language_model = providers.Singleton(LlmLanguageModel)
    retry_policy = providers.Singleton(RetryPolicy, attempts=settings.provided.retry_attempts)
    runner = providers.Singleton(ModelRunner, language_model, retry_policy)
    prices = providers.Singleton(PriceTable)
    generator = providers.Singleton(
        StepGenerator,
        runner,
        language_model,
        catalog,
        hub,
        prices,
        new_id=_new_id,
        default_model=settings.provided.model.call(),
        concurrency=settings.provided.concurrency,
        session=providers.Callable(session_name),
    )
    templates = providers.Singleton(TemplateService, catalog)
    workspace_storage = providers.Singleton(
        DirectoryWorkspaces,
        settings.provided.home,
        active=config_files.active_workspace,
        set_active=providers.Callable(_activator, settings.provided.home),
    )
    workspaces = providers.Singleton(WorkspaceService, workspace_storage)
    pipelines = providers.Singleton(
        PipelineService, repository, catalog, generator, hub, clock=_now, new_id=_new_id, is_alive=is_alive
    )
