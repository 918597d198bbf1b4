"""Workspaces, export/import, backup/restore, styles, config and secrets, through the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner


def _ids(writeit: Runner, workspace: str) -> list[str]:
    result = writeit("-w", workspace, "pipelines", "list", "--json")
    assert result.returncode == 0, result.stderr
    return [p["id"] for p in json.loads(result.stdout)]


def test_two_workspaces_never_see_each_others_pipelines(writeit: Runner) -> None:
    assert writeit("workspace", "create", "blog").returncode == 0
    assert writeit("workspace", "create", "work").returncode == 0
    assert writeit("-w", "blog", "run", "quick-article", "-i", "topic=blog post", "-m", "echo").returncode == 0
    assert writeit("-w", "work", "run", "quick-article", "-i", "topic=report", "-m", "echo").returncode == 0
    blog, work = _ids(writeit, "blog"), _ids(writeit, "work")
    assert len(blog) == 1
    assert len(work) == 1
    assert blog != work
    assert writeit("-w", "work", "pipelines", "show", blog[0]).returncode == 1


def test_export_then_import_into_another_workspace_gives_an_identical_pipeline(writeit: Runner, tmp_path: Path) -> None:
    assert writeit("run", "quick-article", "-i", "topic=round trip", "-m", "echo").returncode == 0
    (pid,) = _ids(writeit, "default")
    history = tmp_path / "history.json"
    assert writeit("pipelines", "export", pid, "--format", "json", "-o", str(history)).returncode == 0
    assert writeit("workspace", "create", "copy").returncode == 0
    imported = writeit("-w", "copy", "pipelines", "import", str(history))
    assert imported.returncode == 0, imported.stderr
    original = json.loads(writeit("pipelines", "show", pid, "--json").stdout)
    copy = json.loads(writeit("-w", "copy", "pipelines", "show", pid, "--json").stdout)
    assert copy == original
    again = writeit("-w", "copy", "pipelines", "import", str(history))
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_a_malformed_history_is_refused_and_stores_nothing(writeit: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "writeit.history/1", "events": [{"type": "CandidateSelected", "v": 1}]}')
    result = writeit("pipelines", "import", str(bad))
    assert result.returncode == 1
    assert "inconsistent" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": \n oops')
    result = writeit("pipelines", "import", str(broken))
    assert result.returncode == 1
    assert f"{broken}:2: not valid JSON" in result.stderr
    assert _ids(writeit, "default") == []


def test_backup_then_restore_brings_back_the_same_pipelines(writeit: Runner, tmp_path: Path) -> None:
    assert writeit("run", "quick-article", "-i", "topic=kept", "-m", "echo").returncode == 0
    before = writeit("pipelines", "list", "--json").stdout
    backup = tmp_path / "backup"
    made = writeit("backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert writeit("run", "quick-article", "-i", "topic=later", "-m", "echo").returncode == 0
    assert len(_ids(writeit, "default")) == 2
    restored = writeit("restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert writeit("pipelines", "list", "--json").stdout == before
    assert "previous store is kept" in restored.stdout


def test_restoring_from_something_that_is_not_a_backup_changes_nothing(writeit: Runner, tmp_path: Path) -> None:
    assert writeit("run", "quick-article", "-i", "topic=safe", "-m", "echo").returncode == 0
    before = writeit("pipelines", "list", "--json").stdout
    result = writeit("restore", str(tmp_path), "--yes")
    assert result.returncode == 1
    assert "not a WriteIt backup" in result.stderr
    assert writeit("pipelines", "list", "--json").stdout == before


def test_a_style_primer_reaches_the_prompt_stored_with_the_candidate(writeit: Runner) -> None:
    style = json.loads(writeit("styles", "show", "formal", "--json").stdout)
    result = writeit("run", "tech-article", "-i", "topic=Styles", "-i", "style=formal", "-m", "echo")
    assert result.returncode == 0, result.stderr
    (pid,) = _ids(writeit, "default")
    state = json.loads(writeit("pipelines", "show", pid, "--json").stdout)
    prompt = state["steps"][0]["candidates"][0]["prompt"]
    assert style["voice"].splitlines()[0] in prompt


def test_config_set_is_validated_and_takes_effect(writeit: Runner, isolated_home: Path) -> None:
    assert writeit("config", "set", "concurrency", "3").returncode == 0
    shown = json.loads(writeit("config", "show", "--json").stdout)
    assert shown["concurrency"] == 3
    bad = writeit("config", "set", "concurrency", "many")
    assert bad.returncode == 1
    assert "concurrency" in bad.stderr
    unknown = writeit("config", "set", "colour", "blue")
    assert unknown.returncode == 1
    assert "unknown setting 'colour'" in unknown.stderr
    assert writeit("config", "set", "budget_usd", ".5").returncode == 0  # YAML's forms of a number work too
    assert writeit("config", "set", "default_model", " markov ").returncode == 0
    assert json.loads(writeit("config", "show", "--json").stdout)["budget_usd"] == 0.5
    assert "default_model: markov\n" in (isolated_home / "config.yaml").read_text()  # stripped
    assert writeit("config", "set", "default_model", "null").returncode == 0  # removes the key
    assert "default_model" not in (isolated_home / "config.yaml").read_text()


def test_a_broken_config_names_each_problem_and_config_set_can_mend_it(writeit: Runner, isolated_home: Path) -> None:
    config = isolated_home / "config.yaml"
    config.write_text("concurency: 3\ncache: off\n")  # a typo, and a YAML boolean where a mode is meant
    broken = writeit("workspace", "list")
    assert broken.returncode == 1
    assert f"{config}:1: unknown setting 'concurency' (did you mean 'concurrency'?)" in broken.stderr
    assert "Traceback" not in broken.stderr

    assert writeit("config", "set", "concurency", "").returncode == 0  # even an unknown key can be removed
    assert writeit("config", "set", "concurrency", "3").returncode == 0
    assert writeit("workspace", "list").returncode == 0
    shown = json.loads(writeit("config", "show", "--json").stdout)
    assert (shown["concurrency"], shown["cache"]) == (3, "off")


def test_workspace_names_that_escape_the_home_are_refused(writeit: Runner, isolated_home: Path) -> None:
    for name in ("../escape", "/etc", "A B"):
        result = writeit("workspace", "create", name)
        assert result.returncode == 1
        assert "not a workspace name" in result.stderr
    assert not (isolated_home.parent / "escape").exists()


@pytest.mark.parametrize("where", ["env", "keys.json"])
def test_no_key_or_token_reaches_logs_events_or_exports(
    writeit: Runner, isolated_home: Path, tmp_path: Path, where: str
) -> None:
    secret = "sk-test-" + "S3cr3tK3yV4lue" * 2
    token = "tok-" + "Zq9" * 8
    if where == "env":
        os.environ["OPENAI_API_KEY"] = secret
    else:
        (Path(os.environ["LLM_USER_PATH"]) / "keys.json").write_text(json.dumps({"openai": secret}))
    os.environ["WRITEIT_API_TOKEN"] = token
    try:
        assert writeit("run", "quick-article", "-i", "topic=secrets", "-m", "echo").returncode == 0
        assert writeit("run", "quick-article", "-i", "topic=x", "-m", "gpt-4o-mini").returncode != 0
        (pid,) = _ids(writeit, "default")[:1]
        exported = writeit("pipelines", "export", pid, "-f", "json").stdout + writeit("pipelines", "export", pid).stdout
    finally:
        os.environ.pop("OPENAI_API_KEY", None)
        os.environ.pop("WRITEIT_API_TOKEN", None)
    stored = b"".join(p.read_bytes() for p in isolated_home.rglob("*") if p.is_file())
    for value in (secret, token):
        assert value.encode() not in stored
        assert value not in exported


def test_a_mistyped_workspace_is_refused_instead_of_created(writeit: Runner, isolated_home: Path) -> None:
    assert writeit("workspace", "create", "blog").returncode == 0
    result = writeit("--workspace", "blgo", "pipelines", "list")
    assert result.returncode == 1
    assert "no workspace 'blgo'" in result.stderr
    assert not (isolated_home / "workspaces" / "blgo").exists()


def test_restore_and_remove_refuse_a_store_another_process_has_open(writeit: Runner, isolated_home: Path) -> None:
    from tests.e2e.api_server import running_server

    assert writeit("run", "quick-article", "-i", "topic=open", "-m", "echo").returncode == 0
    assert writeit("backup", str(isolated_home.parent / "bk")).returncode == 0
    assert writeit("workspace", "create", "side").returncode == 0
    before = writeit("pipelines", "list", "--json").stdout
    with running_server(isolated_home):
        restored = writeit("restore", str(isolated_home.parent / "bk"), "--yes")
        assert restored.returncode == 1
        assert "in use by another WriteIt process" in restored.stderr
    with running_server(isolated_home, env={"WRITEIT_WORKSPACE": "side"}):
        removed = writeit("workspace", "remove", "side", "--yes")
        assert removed.returncode == 1
        assert "open in another WriteIt process" in removed.stderr
    assert writeit("pipelines", "list", "--json").stdout == before
    assert writeit("restore", str(isolated_home.parent / "bk"), "--yes").returncode == 0
    assert writeit("workspace", "remove", "side", "--yes").returncode == 0


def test_json_lines_of_events_export_and_import_round_trip(writeit: Runner, tmp_path: Path) -> None:
    assert writeit("run", "quick-article", "-i", "topic=lines", "-m", "echo").returncode == 0
    (pid,) = _ids(writeit, "default")
    stream = tmp_path / "events.jsonl"
    assert writeit("pipelines", "export", pid, "--format", "jsonl", "-o", str(stream)).returncode == 0
    lines = stream.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert writeit("workspace", "create", "lines").returncode == 0
    imported = writeit("-w", "lines", "pipelines", "import", str(stream))
    assert imported.returncode == 0, imported.stderr
    original = json.loads(writeit("pipelines", "show", pid, "--json").stdout)
    assert json.loads(writeit("-w", "lines", "pipelines", "show", pid, "--json").stdout) == original
    broken = tmp_path / "broken.jsonl"
    broken.write_text(lines[0] + "\n" + lines[1] + "\n{not json\n")
    refused = writeit("-w", "lines", "pipelines", "import", str(broken))
    assert refused.returncode == 1
    assert f"{broken}:3: not a JSON event record" in refused.stderr
