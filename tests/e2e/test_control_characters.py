"""A control character in an echoed value is shown as its escape, the same way by the CLI and by the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import writeit.entrypoints.main  # noqa: F401  # registers the root command (--workspace, --version) on the app
from tests.e2e.api_server import ApiServer, running_server
from writeit.entrypoints.cli.main import app

# ESC (a screen clear), NUL, a right-to-left override, a carriage return: each would hide or rewrite what is read.
HOSTILE = "a\x1b[2J\x00\u202e\rb"
SHOWN = "a\\x1b[2J\\x00\\u202e\\x0db"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-controls")) as running:
        yield running


def cli_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, list(args))  # in-process: a real argv cannot carry a NUL
    assert result.exit_code == 1, result.stdout + result.stderr
    return str(result.stderr)


def test_the_cli_shows_each_control_character_of_a_template_name_an_input_value_or_a_model_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = cli_error(tmp_path, monkeypatch, "run", HOSTILE, "-m", "echo")
    model = cli_error(tmp_path, monkeypatch, "run", "quick-article", "-m", HOSTILE, "-i", "topic=x")
    value = cli_error(
        tmp_path, monkeypatch, "run", "quick-article", "-m", "echo", "-i", "topic=x", "-i", f"style={HOSTILE}"
    )
    assert f"no template '{SHOWN}'" in name
    assert f"style: '{SHOWN}' is not one of" in value
    assert f"error: model '{SHOWN}': unknown model" in model
    for stderr in (name, value, model):
        assert not set("\x1b\x00\u202e\r") & set(stderr), repr(stderr)


async def test_the_api_shows_each_control_character_of_an_input_name_an_input_value_or_a_model_id(
    server: ApiServer,
) -> None:
    bodies = [
        {"template": "quick-article", "inputs": {"topic": "x", HOSTILE: "1"}},
        {"template": "quick-article", "inputs": {"topic": "x", "style": HOSTILE}},
        {"template": "quick-article", "inputs": {"topic": "x"}, "models": [HOSTILE]},
    ]
    async with server.client() as client:
        key, value, model = [await client.post("/api/pipelines", json=body) for body in bodies]
    for answer in (key, value, model):
        assert answer.status_code == 422, answer.text
        assert not set("\x1b\x00\u202e\r") & set(answer.json()["detail"] + answer.text), "shown, not even JSON-escaped"
    assert key.json()["errors"][0]["field"] == SHOWN, "shown as the CLI shows it, not deleted"
    assert value.json()["errors"][0]["message"] == f"'{SHOWN}' is not one of: conversational, technical, formal"
    assert model.json()["detail"].startswith(f"model '{SHOWN}': unknown model")
