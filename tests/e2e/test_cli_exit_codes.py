"""Exit codes and messages: usage errors exit 2, the user's and the system's 1, a closed pipe quietly; never 70."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import writeit.entrypoints.main  # noqa: F401  # registers the root command (--workspace, --version) on the app
from tests.e2e.conftest import CLI, Runner
from writeit.entrypoints.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture
def pipeline_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "quick-article", "-i", "topic=exit codes", "-m", "echo", "--json", "-q")
    assert result.exit_code == 0, result.stderr
    return str(invoke("pipelines", "list", "--json").stdout.split('"id": "')[1].split('"')[0])


def refused(result: Result, code: int, *expected: str) -> str:
    output = result.stdout + result.stderr
    assert result.exit_code == code, output
    assert "unexpected failure" not in output
    assert "Traceback" not in output
    for part in expected:
        assert part in result.stderr, result.stderr
    return str(result.stderr)


def test_an_unknown_export_format_is_a_usage_error_naming_the_allowed_ones(pipeline_id: str) -> None:
    refused(invoke("pipelines", "export", pipeline_id, "--format", "pdf"), 2, "'pdf'", "markdown, json, yaml, jsonl")


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(writeit: Runner, pipeline_id: str) -> None:
    process = subprocess.Popen(
        [*CLI, "pipelines", "export", pipeline_id, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # as `| head` does once it has what it wants
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141, stderr
    assert stderr == ""


@pytest.mark.parametrize("target", ["a-file", "/proc/writeit-backup"], ids=["an existing file", "under /proc"])
def test_a_backup_to_a_place_that_cannot_hold_one_is_a_clear_error(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("a file")
    assert invoke("init").exit_code == 0
    refused(invoke("backup", target), 1, f"error: {target}")


def test_an_export_into_a_missing_directory_names_it(pipeline_id: str) -> None:
    refused(invoke("pipelines", "export", pipeline_id, "-o", "no/such/dir.md"), 1, "no/such/dir.md", "no such file")


@pytest.mark.parametrize(
    "bad", ["", " ", "a" * 600, "../etc", "a\x1b[2Jb"], ids=["empty", "blank", "long", "path", "escape"]
)
def test_an_id_no_pipeline_can_have_is_refused_by_the_application(bad: str) -> None:
    for command in (("pipelines", "show", bad), ("pipelines", "export", bad)):
        stderr = refused(invoke(*command), 1, "is not a pipeline id")
        assert "MDB_" not in stderr
        assert "store failed" not in stderr


def test_removing_a_workspace_that_does_not_exist_is_refused_before_asking() -> None:
    stderr = refused(invoke("workspace", "remove", "no-such-place"), 1, "no workspace 'no-such-place'")
    assert "trash?" not in stderr


def test_a_confirmation_off_a_terminal_says_to_add_yes(tmp_path: Path) -> None:
    assert invoke("workspace", "create", "spare").exit_code == 0
    for command in (("restore", str(tmp_path)), ("workspace", "remove", "spare")):
        result = invoke(*command)
        stderr = refused(result, 1, "add --yes")
        assert "Aborted" not in result.stdout + stderr
    assert "spare" in invoke("workspace", "list").stdout, "nothing was removed"


def test_terminal_escapes_in_an_error_are_made_visible_not_written(tmp_path: Path) -> None:
    template = tmp_path / "escapes.yaml"
    template.write_text('metadata: {name: x}\ninputs: {}\nsteps:\n  "\\e[2J\\e]0;pwned\\a": {prompt_template: hi}\n')
    shown = (invoke("pipelines", "show", "\x1b[31mred"), invoke("run", str(template), "-m", "echo"))
    for result in (*shown, invoke("templates", "validate", str(template))):
        assert result.exit_code != 0
        assert "\x1b" not in result.stderr, repr(result.stderr)
        assert "\x07" not in result.stderr, repr(result.stderr)
    assert "\\x1b" in invoke("pipelines", "show", "\x1b[31mred").stderr


def test_an_echoed_value_is_cut_to_a_readable_length() -> None:
    huge = "9" * 5000
    for command in (
        ("run", "quick-article", "-i", "topic=x", "-i", f"{huge}=1"),
        ("config", "set", "concurrency", huge),
    ):
        stderr = refused(invoke(*command), 1)
        assert all(len(line) < 300 for line in stderr.splitlines()), stderr[:400]
        assert "…" in stderr
        assert "5,00" in stderr


def test_a_history_too_deep_or_with_too_long_a_number_is_refused_naming_the_file(tmp_path: Path) -> None:
    for name, text in (("deep.json", "[" * 100_000), ("big.json", '{"format": ' + "9" * 5000 + "}")):
        (tmp_path / name).write_text(text)
        refused(invoke("pipelines", "import", str(tmp_path / name)), 1, f"{name}:1: not a WriteIt history")
