"""`writeit run` when a retry restarts the answer it is streaming: the reader is told, and the answer starts anew."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

ONE_STEP = """\
metadata: {name: onedrop}
steps:
  draft:
    name: Draft
    prompt_template: "Write about restarts"
    model_preference: srv-drop
"""


@pytest.fixture
def server(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    """`srv-drop` loses the connection after two words once, then answers whole."""
    with OpenAICompatibleServer({"drop": Behaviour(drops=1, drop_after=2)}) as running:
        running.register(Path(os.environ["LLM_USER_PATH"]), {"srv-drop": "drop"})
        templates = isolated_home / "templates"
        templates.mkdir(exist_ok=True)
        (templates / "onedrop.yaml").write_text(ONE_STEP)
        yield running


def test_a_restarted_answer_starts_on_a_new_line_after_a_notice_on_stderr(
    writeit: Runner, server: OpenAICompatibleServer
) -> None:
    run = writeit("run", "onedrop", "--pick", "first")
    assert run.returncode == 0, run.stderr
    assert server.requests["drop"] == 2
    dropped, whole, path = run.stdout.splitlines()
    assert whole == "drop says: Write about restarts"
    assert dropped != whole, "what streamed before the drop stays above the new answer"
    assert whole.startswith(dropped)
    assert "the model's answer restarted (retry or fallback)" in run.stderr
    assert Path(path).name.endswith(".md")
