"""Test isolation: every test gets its own WRITEIT_HOME and llm user dir; only the offline plugins load."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_server import PostgresCluster

# Read by llm at import time, so it must be set before anything imports llm.
os.environ["LLM_LOAD_PLUGINS"] = "llm-echo,llm-markov"
os.environ["WRITEIT_DEFAULT_MODEL"] = "markov"


REPOSITORY = Path(__file__).resolve().parent.parent


def _untracked() -> set[str]:
    """Files in the repository that git neither tracks nor ignores (empty outside a git checkout)."""
    listing = subprocess.run(
        ["git", "-C", str(REPOSITORY), "ls-files", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=False,
    )
    return set(listing.stdout.splitlines()) if listing.returncode == 0 else set()


_UNTRACKED = pytest.StashKey[set[str]]()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.stash[_UNTRACKED] = _untracked()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A test writes into its own temp dirs, never into the repository (an export once landed in a commit)."""
    before: set[str] = session.stash.get(_UNTRACKED, set())
    left = sorted(_untracked() - before)
    if left:
        print(f"\nerror: the tests left {len(left)} new file(s) in the repository: {', '.join(left[:10])}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("writeit-home")
    llm_dir = tmp_path_factory.mktemp("llm-user")
    monkeypatch.setenv("WRITEIT_HOME", str(home))
    monkeypatch.setenv("LLM_USER_PATH", str(llm_dir))
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "WRITEIT_API_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    return home


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One PostgreSQL server for the session (initdb once; each test takes a schema of its own).

    It fails, never skips, when the server is not installed: CI installs it (.ci/run)."""
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.url


@pytest.fixture
def postgres_database(postgres_cluster: PostgresCluster) -> str:
    """The URL of a new, empty database on the session's server (for tests of whole workspaces, `default` too)."""
    return postgres_cluster.create_database()
