"""`writeit` in a real terminal: tmux runs it, send-keys drives a short journey, capture-pane reads the screen."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")


class Terminal:
    """One tmux session on its own server socket, so the test never touches the user's tmux."""

    def __init__(self, socket: str, session: str) -> None:
        self.base = ["tmux", "-L", socket]
        self.session = session

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=30, check=False)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session).stdout

    def alive(self) -> bool:
        return self.run("has-session", "-t", self.session).returncode == 0

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the terminal shows:\n{self.screen()}")
            time.sleep(0.2)

    def wait_text(self, text: str, timeout: float = 30) -> None:
        self.wait(lambda: text in self.screen(), repr(text), timeout)


@pytest.fixture
def env(isolated_home: Path) -> dict[str, str]:
    return {**os.environ, "WRITEIT_DEFAULT_MODEL": "echo", "LLM_LOAD_PLUGINS": "llm-echo,llm-markov"}


@pytest.fixture
def terminal(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    socket, session = f"writeit-test-{os.getpid()}-{tmp_path.name}", "writeit"
    exit_file = tmp_path / "exit-code"
    command = f"{shlex.quote(sys.executable)} -m writeit --no-server; echo $? > {shlex.quote(str(exit_file))}"
    started = subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
         f"cd {shlex.quote(str(tmp_path))} && {command}"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    term = Terminal(socket, session)
    try:
        yield term, exit_file
    finally:
        term.run("kill-server")


def test_a_short_journey_in_a_real_terminal_is_stored(
    terminal: tuple[Terminal, Path], env: dict[str, str], tmp_path: Path
) -> None:
    term, exit_file = terminal
    term.wait_text("Pick a template", timeout=60)
    term.wait_text("quick-article")  # the list fills in once the templates are read, a moment after the heading
    assert "API off" in term.screen()
    term.keys("Enter")
    term.wait_text("Topic")
    term.keys("Cats in a terminal", literal=True)
    term.keys("Enter")
    term.wait_text("✓ done", timeout=60)
    assert "step 1 of 3: Plan" in term.screen()
    term.keys("1")
    term.wait_text("★ selected")
    term.keys("C-q")
    term.wait(lambda: exit_file.exists(), "writeit to exit")
    assert exit_file.read_text().strip() == "0"

    listed = subprocess.run(
        [sys.executable, "-m", "writeit", "pipelines", "list", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    [pipeline] = json.loads(listed.stdout)
    assert pipeline["template"] == "Quick Article"
    assert pipeline["title"] == "Cats in a terminal"
    assert pipeline["current_step"] == "write"  # plan has its selection
