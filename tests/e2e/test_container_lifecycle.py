"""One lifecycle for every entrypoint: `opened` opens the container, takes a command's options as
configuration, and closes it; running candidates are stopped or waited for on leaving."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from dependency_injector import providers

from writeit.application.cache import CacheMode
from writeit.application.hub import StreamHub
from writeit.application.workspaces import WorkspaceError
from writeit.entrypoints.container import Container, opened


async def test_a_commands_options_reach_the_settings_and_the_services_as_configuration() -> None:
    options = {"budget_usd": 0.25, "concurrency": 3, "cache": CacheMode.REPLAY, "model_timeout": None}
    async with opened(options=options) as container:
        settings = container.settings()
        assert (settings.budget_usd, settings.concurrency, settings.cache) == (0.25, 3, CacheMode.REPLAY)
        assert container.generator().budget.limit == 0.25


async def test_options_left_out_keep_the_configured_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WRITEIT_CONCURRENCY", "5")
    async with opened(options={"concurrency": None}) as container:
        assert container.settings().concurrency == 5


async def test_a_fake_given_by_override_before_opening_is_what_the_services_use() -> None:
    from writeit.adapters.memory.language_model import ScriptedLanguageModel

    container = Container()
    fake = ScriptedLanguageModel({}, echo=("echo",))
    container.language_model.override(providers.Object(fake))
    async with opened(container) as same:
        assert same is container
        assert container.generator()._models is fake


def _hub_that_fails_to_close() -> Iterator[StreamHub]:
    yield StreamHub()
    raise RuntimeError("the hub would not close")


async def test_a_resource_that_fails_to_close_leaves_nothing_else_open_and_its_error_is_raised() -> None:
    container = Container()
    container.hub.override(providers.Resource(_hub_that_fails_to_close))
    handlers = logging.getLogger().handlers[:]
    seen: list[bool] = []

    async def use() -> None:
        async with opened(container) as inside:
            seen.extend([inside.environment.initialized, logging.getLogger().handlers != handlers])

    with pytest.raises(RuntimeError, match="the hub would not close"):
        await use()
    assert seen == [True, True]
    assert not container.environment.initialized
    assert not container.logging.initialized
    assert logging.getLogger().handlers == handlers  # the log file handed back as it was
    async with opened() as again:  # the store was closed: it opens again in this process
        assert await again.repository().summaries() == []


async def test_a_store_that_cannot_open_reports_its_own_error_and_closes_the_log() -> None:
    handlers = logging.getLogger().handlers[:]
    with pytest.raises(WorkspaceError, match="no workspace 'nowhere'"):
        async with opened(options={"workspace": "nowhere"}):
            pass
    assert logging.getLogger().handlers == handlers
