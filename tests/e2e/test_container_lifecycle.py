"""One lifecycle for every entrypoint: `opened` opens the container, takes a command's options as
configuration, and closes it; running candidates are stopped or waited for on leaving."""

from __future__ import annotations

import pytest

from writeit.application.cache import CacheMode
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
    from dependency_injector import providers

    from writeit.adapters.memory.language_model import ScriptedLanguageModel

    container = Container()
    fake = ScriptedLanguageModel({}, echo=("echo",))
    container.language_model.override(providers.Object(fake))
    async with opened(container) as same:
        assert same is container
        assert container.generator()._models is fake
