"""Every malformed template or input gets a clear, located error, a non-zero exit, no traceback, nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import writeit.entrypoints.main  # noqa: F401  # registers the root command (--workspace, --version) on the app
from tests.e2e.malformed import BAD_INPUTS, Case, corpus
from writeit.entrypoints.cli.main import app

CASES = corpus()
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # `writeit run` writes its Markdown into the working directory


def test_the_corpus_has_at_least_two_hundred_malformed_templates() -> None:
    assert len(CASES) >= 200
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_malformed_template_is_refused_with_its_location(case: Case, tmp_path: Path) -> None:
    path = tmp_path / f"{case.id}.yaml"
    path.write_bytes(case.content)
    result = runner.invoke(app, ["templates", "validate", str(path)])
    output = result.stdout + result.stderr
    assert result.exit_code == 1, output
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    prefix = f"{path}:" if case.located else str(path)
    assert prefix in output, output
    if case.located:
        lines = [line.removeprefix("error: ") for line in output.splitlines()]
        located = [line for line in lines if line.startswith(f"{path}:")]
        assert located, output
        assert all(line.split(":")[1].strip().isdigit() for line in located), output
    assert case.expect in output


@pytest.mark.parametrize("case", CASES[::10], ids=[c.id for c in CASES[::10]])
def test_running_a_malformed_template_stores_nothing(case: Case, tmp_path: Path) -> None:
    path = tmp_path / f"{case.id}.yaml"
    path.write_bytes(case.content)
    result = runner.invoke(app, ["run", str(path), "-i", "topic=x", "-m", "echo"])
    assert result.exit_code == 1
    assert "Traceback" not in result.stdout + result.stderr
    listed = runner.invoke(app, ["pipelines", "list", "--json"])
    assert listed.stdout.strip() == "[]"


@pytest.mark.parametrize(("inputs", "expect"), BAD_INPUTS, ids=[f"input-{i}" for i in range(len(BAD_INPUTS))])
def test_bad_inputs_are_refused_naming_the_field(inputs: list[str], expect: str) -> None:
    args = ["run", "quick-article", "-m", "echo"]
    for pair in inputs:
        args += ["--input", pair]
    result = runner.invoke(app, args)
    output = result.stdout + result.stderr
    if expect == "":
        assert result.exit_code == 0, output  # an empty optional input takes its default
        return
    assert result.exit_code in (1, 2), output
    assert expect in output
    assert "Traceback" not in output
    assert runner.invoke(app, ["pipelines", "list", "--json"]).stdout.strip() == "[]"
