"""The real CLI against a real OpenAI-compatible HTTP server: fan-out with a missing key, 429s, a dropped
connection; the budget; recording and replaying a run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Runner
from tests.e2e.openai_server import FOREVER, Behaviour, OpenAICompatibleServer
from tests.template_texts import draft_template

FOURWAY = draft_template(
    "fourway", "    models: [srv-nokey, srv-flaky, srv-drop, srv-steady]\n    model_preference: [srv-steady]\n"
)
TWOWAY = """\
metadata: {name: twoway}
steps:
  draft:
    name: Draft
    prompt_template: "Write about drops"
    models: [srv-steady, srv-always-drops]
"""
BABBLE = """\
metadata: {name: babble}
inputs:
  topic: {type: text, required: true}
steps:
  draft:
    name: Draft
    prompt_template: "A few sentences about {{ inputs.topic }}. The cat sat on the mat. The dog sat on the cat."
    response_count: 2
"""
BEHAVIOURS = {
    "steady": Behaviour(delay=0.005),
    "flaky": Behaviour(fail_first=2, status=429),
    "drop": Behaviour(drops=1, drop_after=2, delay=0.005),
    "always-drops": Behaviour(drops=FOREVER, drop_after=2),
}


@pytest.fixture
def server(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    """The server registered in the test's llm dir; `srv-nokey` needs a key that is not set."""
    llm_dir = Path(os.environ["LLM_USER_PATH"])
    with OpenAICompatibleServer(dict(BEHAVIOURS)) as running:
        running.register(llm_dir, {f"srv-{name}": name for name in BEHAVIOURS})
        running.register(llm_dir, {"srv-nokey": "steady"}, api_key_name="e2e-provider")
        templates = isolated_home / "templates"
        templates.mkdir(exist_ok=True)
        (templates / "fourway.yaml").write_text(FOURWAY)
        (templates / "twoway.yaml").write_text(TWOWAY)
        yield running


def history(writeit: Runner, pipeline_id: str) -> dict[str, Any]:
    exported = writeit("pipelines", "export", pipeline_id, "--format", "json")
    assert exported.returncode == 0, exported.stderr
    result: dict[str, Any] = json.loads(exported.stdout)
    return result


def test_a_step_of_four_models_survives_a_missing_key_429s_and_a_dropped_connection(
    writeit: Runner, server: OpenAICompatibleServer
) -> None:
    run = writeit("run", "fourway", "-i", "topic=LMDB", "--pick", "first", "--json")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    pipeline_id = json.loads(run.stdout)["id"]
    events = history(writeit, pipeline_id)["events"]

    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    started = next(e for e in events if e["type"] == "StepStarted")
    first_model = dict(zip(started["candidate_ids"], started["models"], strict=True))
    by_model = {m: cid for cid, m in first_model.items()}
    finished = [e for e in events if e["type"] in ("CandidateCompleted", "CandidateFailed", "CandidateCancelled")]
    assert sorted(e["candidate_id"] for e in finished) == sorted(first_model), "one outcome per candidate"
    completed = {e["candidate_id"]: e for e in finished if e["type"] == "CandidateCompleted"}
    assert len(completed) == 4
    # Each answer is whole: a dropped attempt's chunks are not part of it.
    assert {first_model[c]: (e["model"], e["text"]) for c, e in completed.items()} == {
        "srv-nokey": ("srv-steady", "steady says: Write about LMDB"),
        "srv-flaky": ("srv-flaky", "flaky says: Write about LMDB"),
        "srv-drop": ("srv-drop", "drop says: Write about LMDB"),
        "srv-steady": ("srv-steady", "steady says: Write about LMDB"),
    }
    fell = [e for e in events if e["type"] == "ModelFellBack"]
    assert [(e["candidate_id"], e["from_model"], e["to_model"]) for e in fell] == [
        (by_model["srv-nokey"], "srv-nokey", "srv-steady")
    ]
    assert "needs an API key" in fell[0]["reason"]
    retried = [(e["candidate_id"], e["attempt"], e["reason"]) for e in events if e["type"] == "CandidateRetried"]
    flaky = [(a, r) for c, a, r in retried if c == by_model["srv-flaky"]]
    assert [a for a, _ in flaky] == [1, 2]
    assert all("429" in r for _, r in flaky)
    dropped = [(a, r) for c, a, r in retried if c == by_model["srv-drop"]]
    assert len(dropped) == 1
    assert "Connection error" in dropped[0][1]
    assert (server.requests["flaky"], server.requests["drop"]) == (3, 2), "no silent retries by the SDK"


def test_a_model_that_always_drops_fails_with_its_partial_text_and_the_other_completes(
    writeit: Runner, server: OpenAICompatibleServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRITEIT_RETRY_ATTEMPTS", "2")
    run = writeit("run", "twoway", "--pick", "first", "--json")
    assert run.returncode == 0, run.stderr
    events = history(writeit, json.loads(run.stdout)["id"])["events"]
    failed = next(e for e in events if e["type"] == "CandidateFailed")
    assert failed["model"] == "srv-always-drops"
    assert failed["partial_text"] == "always-drops says:"
    assert "Connection error" in failed["error"]
    assert [e["text"] for e in events if e["type"] == "CandidateCompleted"] == ["steady says: Write about drops"]
    assert server.requests["always-drops"] == 2


def test_a_step_that_would_pass_the_budget_is_refused_before_any_model_runs(
    writeit: Runner, server: OpenAICompatibleServer, isolated_home: Path
) -> None:
    (isolated_home / "prices.yaml").write_text("srv-steady: {input: 100000, output: 100000}\n")
    run = writeit("run", "twoway", "--pick", "first", "--budget", "0.5")
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "error: step 'draft': 2 candidate(s) would cost about $" in run.stderr
    assert "of this pipeline's $0.50 budget remains" in run.stderr
    assert server.requests == {}


def test_the_models_command_lists_the_server_models_and_their_keys(
    writeit: Runner, server: OpenAICompatibleServer
) -> None:
    listed = writeit("models", "--json")
    assert listed.returncode == 0, listed.stderr
    models = {m["model_id"]: m for m in json.loads(listed.stdout)["models"]}
    assert (models["srv-nokey"]["needs_key"], models["srv-nokey"]["has_key"]) == ("e2e-provider", False)
    assert models["srv-steady"]["needs_key"] is None


def test_a_recorded_run_replays_identically_offline_and_a_new_prompt_is_refused(
    writeit: Runner, isolated_home: Path
) -> None:
    (isolated_home / "templates").mkdir(exist_ok=True)
    (isolated_home / "templates" / "babble.yaml").write_text(BABBLE)
    args = ("run", "babble", "-i", "topic=Replays", "--model", "markov", "--pick", "first", "--json")
    recorded = writeit(*args)
    assert recorded.returncode == 0, recorded.stderr
    replayed = writeit(*args, "--replay")
    assert replayed.returncode == 0, replayed.stderr
    first, second = json.loads(recorded.stdout), json.loads(replayed.stdout)
    texts = [[c["text"] for c in s["candidates"]] for s in first["steps"]]
    assert [[c["text"] for c in s["candidates"]] for s in second["steps"]] == texts
    assert all(c["cached"] for s in second["steps"] for c in s["candidates"])

    missing = writeit("run", "babble", "-i", "topic=Something new", "--model", "markov", "--replay")
    assert missing.returncode != 0
    assert "no recorded answer to this prompt" in missing.stderr
