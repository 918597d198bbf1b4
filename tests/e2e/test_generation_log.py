"""The log file after real runs: each generation (start, end, model, tokens, duration), retry, fall-through, cancel
and merge is a JSON line; no prompt, answer or key ever is."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Runner
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer
from tests.e2e.tui_support import all_finished, make_app, open_container, panels, wait_for
from tests.template_texts import draft_template
from writeit.entrypoints.tui.screens.step import StepScreen

TOPIC = "Zanzibar-otters-7731"
KEY = "sk-test-abcdefghijklmnop1234"
# Long enough that a cancel lands while it streams, however loaded the machine: 600 words, 50 ms apart.
SLOW = Behaviour(reply=" ".join(["slowly"] * 600), delay=0.05)
FLAKY = draft_template("flaky", "    models: [srv-nokey, srv-flaky]\n    model_preference: [srv-steady]\n")


def log_lines(home: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (home / "logs" / "writeit.log").read_text().splitlines() if line.strip()]


def events(home: Path, prefix: str) -> list[dict[str, Any]]:
    return [line for line in log_lines(home) if str(line.get("event", "")).startswith(prefix)]


@pytest.fixture
def server(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    llm_dir = Path(os.environ["LLM_USER_PATH"])
    behaviours = {"steady": Behaviour(), "flaky": Behaviour(fail_first=1, status=429), "slow": SLOW}
    with OpenAICompatibleServer(behaviours) as running:
        running.register(llm_dir, {"srv-steady": "steady", "srv-slow": "slow"})
        running.register(llm_dir, {"srv-flaky": "flaky"}, api_key_name="flaky-provider")
        (llm_dir / "keys.json").write_text(json.dumps({"flaky-provider": KEY}))
        running.register(llm_dir, {"srv-nokey": "steady"}, api_key_name="e2e-provider")
        (isolated_home / "templates").mkdir(exist_ok=True)
        (isolated_home / "templates" / "flaky.yaml").write_text(FLAKY)
        yield running


def test_a_run_logs_each_generations_start_and_end_with_model_tokens_and_duration(
    writeit: Runner, isolated_home: Path
) -> None:
    run = writeit("run", "quick-article", "-i", f"topic={TOPIC}", "-m", "markov", "--pick", "first")
    assert run.returncode == 0, run.stderr
    started, finished = events(isolated_home, "generation started"), events(isolated_home, "generation finished")
    assert len(started) == len(finished) == 3  # one candidate per step of quick-article
    assert {s["candidate"] for s in started} == {f["candidate"] for f in finished}
    assert [s["step"] for s in started] == ["plan", "write", "polish"]
    for line in finished:
        assert line["model"] == "markov"
        assert line["output_tokens"] > 0
        assert isinstance(line["duration_ms"], int)
        assert line["level"] == "info"
    assert TOPIC not in (isolated_home / "logs" / "writeit.log").read_text(), "no prompt text in the log"


def test_a_retry_and_a_fall_through_are_logged_with_their_reasons_and_never_a_key(
    writeit: Runner, isolated_home: Path, server: OpenAICompatibleServer
) -> None:
    run = writeit("run", "flaky", "-i", f"topic={TOPIC}", "--pick", "first")
    assert run.returncode == 0, run.stderr
    (retry,) = events(isolated_home, "retry")
    assert (retry["model"], retry["attempt"]) == ("srv-flaky", 1)
    assert "429" in retry["event"]
    (fell,) = events(isolated_home, "fall-through")
    assert (fell["from_model"], fell["to_model"]) == ("srv-nokey", "srv-steady")
    text = (isolated_home / "logs" / "writeit.log").read_text()
    assert KEY not in text
    assert TOPIC not in text


async def test_a_cancel_and_a_merge_from_the_tui_are_logged(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, server: OpenAICompatibleServer
) -> None:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container() as container:
        app = make_app(container)
        service = container.pipelines()
        async with app.run_test(size=(140, 40)) as pilot:
            view = await service.start("quick-article", {"topic": TOPIC})
            await app.push_screen(StepScreen(service, view.id, models=["srv-slow", "echo", "echo"], generate=True))
            await wait_for(pilot, lambda: len(panels(app)) == 3 and bool(panels(app)[0].text), "srv-slow streaming")
            await pilot.press("x")  # the first candidate (srv-slow) has the focus
            await wait_for(pilot, lambda: all_finished(app), "the round")
            await pilot.press("right", "space", "right", "space", "m", "enter")  # merge 2 and 3 by the default model
            await wait_for(pilot, lambda: len(panels(app)) == 4 and all_finished(app), "the merge")
    (cancelled,) = events(isolated_home, "generation cancelled")
    slow = [s["candidate"] for s in events(isolated_home, "generation started") if s["models"][0] == "srv-slow"]
    assert slow == [cancelled["candidate"]], "the candidate cancelled is the one that was streaming"
    assert cancelled["kept"] > 0, "with the text it had streamed"
    assert isinstance(cancelled["duration_ms"], int)
    (merged,) = events(isolated_home, "merge")
    assert (merged["model"], merged["sources"]) == ("echo", 2)
    assert merged["output_tokens"] > 0
    assert TOPIC not in (isolated_home / "logs" / "writeit.log").read_text()


def test_a_key_in_a_logged_request_url_is_redacted() -> None:
    from writeit.entrypoints.logs import Redactor

    line = 'HTTP Request: POST https://example.test/v1/models/x:stream?alt=sse&key=AIzaSyA-1234567890abcdefghij "200"'
    assert "1234567890" not in Redactor([]).text(line)
    assert "alt=sse" in Redactor([]).text(line)


def test_at_debug_the_log_names_each_command_and_its_workspace_and_at_info_a_listing_writes_nothing(
    writeit: Runner, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert writeit("pipelines", "list").returncode == 0
    log = isolated_home / "logs" / "writeit.log"
    assert not log.exists() or not log.read_text().strip(), "a listing at INFO writes no record"
    monkeypatch.setenv("WRITEIT_LOG_LEVEL", "DEBUG")
    assert writeit("pipelines", "list").returncode == 0
    (command,) = events(isolated_home, "command")
    assert (command["argv"], command["workspace"], command["level"]) == (["pipelines"], "default", "debug")
