"""What the CLI says about models and progress: the default starred as it really is, and every candidate's end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import llm
import pytest
from typer.testing import CliRunner

import writeit.entrypoints.main  # noqa: F401  # registers the root command (--workspace, --version) on the app
from tests.e2e.conftest import Runner
from writeit.adapters.llm import local
from writeit.entrypoints.cli.main import app


class Registered(llm.Model):
    """Stands in for SmolLM2-2k: a model WriteIt registers itself when it looks for the default."""

    model_id = "Registered-2k"

    def execute(self, prompt: Any, stream: Any, response: Any, conversation: Any) -> Iterator[str]:
        yield "registered"


class Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(Registered())


@pytest.fixture
def registered_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def register() -> bool:
        if llm.plugins.pm.get_plugin("test-registered") is None:
            llm.plugins.pm.register(Plugin(), name="test-registered")
        return True

    monkeypatch.setattr(local, "register", register)
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "Registered-2k")
    yield
    plugin = llm.plugins.pm.get_plugin("test-registered")
    if plugin is not None:
        llm.plugins.pm.unregister(plugin)


def test_models_lists_and_stars_a_default_that_writeit_registers_itself(registered_default: None) -> None:
    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 0, result.stderr
    starred = [line for line in result.stdout.splitlines() if line.startswith("*")]
    assert starred == ["* Registered-2k"]
    shown = json.loads(CliRunner().invoke(app, ["models", "--json"]).stdout)
    assert shown["default"] == "Registered-2k"
    assert "Registered-2k" in [m["model_id"] for m in shown["models"]]


def test_config_show_prints_the_default_model_in_force_when_none_is_set(
    writeit: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WRITEIT_DEFAULT_MODEL")
    offline = "SmolLM2-2k" if local.available() else "markov"  # with no key, the local model if installed
    shown = writeit("config", "show")
    assert shown.returncode == 0, shown.stderr
    assert f"default_model = {offline}  (not set: the default found here)" in shown.stdout.splitlines()
    assert json.loads(writeit("config", "show", "--json").stdout)["default_model"] == offline
    starred = [line for line in writeit("models").stdout.splitlines() if line.startswith("*")]
    assert starred == [f"* {offline}"], "config show and models agree"


def test_a_run_reports_each_other_candidate_as_it_finishes_and_streams_only_the_first(writeit: Runner) -> None:
    run = writeit("run", "quick-article", "-i", "topic=Progress", "-m", "echo", "-m", "markov", "-o", "out.md")
    assert run.returncode == 0, run.stderr
    finished = [line.split() for line in run.stderr.splitlines() if " finished: " in line]
    assert len(finished) == 3, run.stderr  # one per step: markov's; echo's is the one streamed
    assert all(words[1] == "markov" and words[4] == "tokens," for words in finished), run.stderr
    assert all(int(words[3].lstrip("~")) > 0 for words in finished)
    assert '"prompt": "Plan a short article' in run.stdout, "stdout streams echo, the first candidate"
    pipeline_id = next(line.split()[1] for line in run.stderr.splitlines() if line.startswith("pipeline "))
    state = json.loads(writeit("pipelines", "show", pipeline_id, "--json").stdout)
    markov_texts = [c["text"] for s in state["steps"] for c in s["candidates"] if c["model"] == "markov"]
    # Whole texts: markov babbles from its prompt, which echo prints, so a short stretch of it can be on stdout.
    assert not any(text in run.stdout for text in markov_texts), "the others are not on stdout"
