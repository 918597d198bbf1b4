"""WriteIt on a real PostgreSQL server chosen by configuration: the commands of separate processes share it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.application.ports import LoggedEvent

from .conftest import CLI, Runner


@pytest.fixture
def on_postgres(postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WRITEIT_STORE_URL", postgres_database)
    return postgres_database


def schemas(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'writeit%'").fetchall()
    return {str(name) for (name,) in rows}


def test_a_run_on_postgresql_is_listed_by_another_process_and_nothing_goes_to_lmdb(
    writeit: Runner, on_postgres: str, isolated_home: Path
) -> None:
    run = writeit("run", "quick-article", "-i", "topic=Shared drafts", "-m", "markov", "--pick", "first", "-q")
    assert run.returncode == 0, run.stderr
    listed = writeit("pipelines", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["title"], row["completed"]) == ("Shared drafts", True)
    assert Path(run.stdout.strip()).stem.endswith(row["id"][:8])
    assert schemas(on_postgres) == {"writeit_default"}
    assert not (isolated_home / "workspaces" / "default" / "store").exists()


def test_each_workspace_is_a_schema_of_its_own(writeit: Runner, on_postgres: str) -> None:
    assert writeit("run", "quick-article", "-i", "topic=Default's", "-m", "echo", "-q").returncode == 0
    assert writeit("workspace", "create", "team-b").returncode == 0
    assert json.loads(writeit("-w", "team-b", "pipelines", "list", "--json").stdout) == []
    assert writeit("-w", "team-b", "run", "quick-article", "-i", "topic=B's", "-m", "echo", "-q").returncode == 0
    titles = {ws: [r["title"] for r in json.loads(writeit("-w", ws, "pipelines", "list", "--json").stdout)]
              for ws in ("default", "team-b")}  # fmt: skip
    assert titles == {"default": ["Default's"], "team-b": ["B's"]}
    assert schemas(on_postgres) == {"writeit_default", "writeit_team-b"}


def test_an_unreachable_server_is_named_without_its_password_and_nothing_is_stored(
    writeit: Runner, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    monkeypatch.setenv("WRITEIT_STORE_URL", "postgresql://ann:hunter2-secret@127.0.0.1:1/team")
    for args in (("pipelines", "list"), ("run", "quick-article", "-i", "topic=x", "-m", "echo")):
        done = writeit(*args)
        assert done.returncode == 1
        assert "postgresql://ann@127.0.0.1:1/team" in done.stderr
        assert "hunter2" not in done.stderr + done.stdout
        assert "Traceback" not in done.stderr
    assert not (isolated_home / "workspaces" / "default" / "store").exists()
    shown = writeit("config", "show", "--json")
    assert json.loads(shown.stdout)["store"] == "postgresql://ann:***@127.0.0.1:1/team"


def test_a_store_setting_that_is_not_a_postgresql_url_is_refused_with_its_file_and_line(
    writeit: Runner, isolated_home: Path
) -> None:
    (isolated_home / "config.yaml").write_text("concurrency: 2\nstore: mysql://ann:hunter2@db/team\n")
    done = writeit("pipelines", "list")
    assert done.returncode != 0
    assert f"{isolated_home / 'config.yaml'}:2" in done.stderr
    assert "not a postgresql://" in done.stderr
    assert "hunter2" not in done.stderr


async def logged(path: Path) -> list[LoggedEvent]:
    with contextmanager(open_environment)(path) as env:
        store = LmdbEventStore(env)
        try:
            return await store.read_all(limit=100_000)
        finally:
            store.close()


async def test_a_store_moved_lmdb_to_postgresql_and_back_is_equal_event_for_event(
    writeit: Runner, postgres_database: str, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for topic in ("One", "Two"):
        assert (
            writeit("run", "quick-article", "-i", f"topic={topic}", "-m", "echo", "-m", "markov", "-q").returncode == 0
        )
    listed = json.loads(writeit("pipelines", "list", "--json").stdout)
    there = writeit("store", "migrate", "--to", postgres_database)
    assert there.returncode == 0, there.stderr
    assert "verified equal event for event" in there.stdout
    again = writeit("store", "migrate", "--to", postgres_database)
    assert (again.returncode, "already holds events" in again.stderr) == (1, True)

    monkeypatch.setenv("WRITEIT_STORE_URL", postgres_database)
    assert json.loads(writeit("pipelines", "list", "--json").stdout) == listed  # the projection rebuilt there
    back = writeit("store", "migrate", "--to", str(tmp_path / "back"))
    assert back.returncode == 0, back.stderr
    original = await logged(isolated_home / "workspaces" / "default" / "store")
    assert len(original) > 10
    assert await logged(tmp_path / "back") == original


README = Path(__file__).parents[2] / "README.md"
EXAMPLE_URL = "postgresql://writeit@db.example.org:5432/writeit"


def team_blocks() -> list[list[str]]:
    """The sh blocks of the README's "Running for a team" section, as lines."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Running for a team", 1)[1].split("\n## ", 1)[0]
    return [block.strip().splitlines() for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)]


def run_line(line: str, env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str] | None:
    """Run one README line as a shell would (`export`, `VAR=value cmd`, `~`); None for lines not run here."""
    words = [w.replace("~", str(home)) for w in shlex.split(line, comments=True)]
    if not words:  # a comment
        return None
    if words[0] == "export":
        env.update(dict(w.split("=", 1) for w in words[1:]))
        return None
    if words[0] in ("createdb",) or words[:2] == ["writeit", "serve"]:
        return None  # the fixture made the database; serving is the workers' test
    while re.match(r"^[A-Z_]+=", words[0]):
        name, value = words.pop(0).split("=", 1)
        env = {**env, name: value}
    assert words[0] == "writeit", line
    return subprocess.run(
        [*CLI, *words[1:]], env=env, input="y\n", capture_output=True, text=True, timeout=120, cwd=home, check=False
    )


def test_the_commands_of_running_for_a_team_work_as_written(
    postgres_database: str, isolated_home: Path, tmp_path: Path
) -> None:
    setup, moving = team_blocks()
    for block, before in ((setup, []), (moving, ["run", "quick-article", "-i", "topic=Moved", "-m", "echo"])):
        home = tmp_path / f"home-{len(before)}"
        home.mkdir()
        env = {**os.environ, "WRITEIT_HOME": str(home / ".writeit"), "HOME": str(home)}
        if before:
            assert subprocess.run([*CLI, *before], env=env, capture_output=True, cwd=home, check=False).returncode == 0
        for line in block:
            done = run_line(line.replace(EXAMPLE_URL, postgres_database), env, home)
            assert done is None or done.returncode == 0, f"{line}\n{done.stderr}"
    listed = subprocess.run([*CLI, "pipelines", "list", "--json"], env=env, capture_output=True, text=True, check=False)
    assert [row["title"] for row in json.loads(listed.stdout)] == ["Moved"]  # back in LMDB after the round trip


async def test_every_workspace_moves_to_its_schema_and_back_to_a_directory_each(
    writeit: Runner, postgres_database: str, isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert writeit("workspace", "create", "team-b").returncode == 0
    for workspace in ("default", "team-b"):
        assert (
            writeit("-w", workspace, "run", "quick-article", "-i", f"topic={workspace}", "-m", "echo").returncode == 0
        )
    there = writeit("store", "migrate", "--all", "--to", postgres_database)
    assert there.returncode == 0, there.stderr
    assert there.stdout.count("verified equal event for event") == 2
    monkeypatch.setenv("WRITEIT_STORE_URL", postgres_database)
    for workspace in ("default", "team-b"):
        listed = json.loads(writeit("-w", workspace, "pipelines", "list", "--json").stdout)
        assert [row["title"] for row in listed] == [workspace]
    back = writeit("store", "migrate", "--all", "--to", str(tmp_path / "back"))
    assert back.returncode == 0, back.stderr
    for workspace in ("default", "team-b"):
        original = await logged(isolated_home / "workspaces" / workspace / "store")
        assert await logged(tmp_path / "back" / workspace) == original
        assert original
