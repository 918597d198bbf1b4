"""Provider faults from a real OpenAI-compatible server: 429 and 500 storms, a hang, a stall, garbage chunks.

The faulty candidate ends cleanly (failed, with a message naming the model, or answered by the next model of its
chain), its sibling completes, the step never hangs, and the selection made at the step before stays as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import TIMEOUT, Watcher, event_type, generate, running_server, select, state_of, step
from tests.e2e.conftest import Runner
from tests.e2e.openai_server import FOREVER, Behaviour, OpenAICompatibleServer

FAULTS = {
    "storm": Behaviour(fail_first=FOREVER, status=429),  # rate limited for longer than any retry budget
    "down": Behaviour(fail_first=FOREVER, status=500),  # a provider answering 500 to everything
    "hang": Behaviour(hang=True),  # accepts the request, never answers
    "stall": Behaviour(stalls=FOREVER, stall_after=2),  # two words, then silence with the connection open
    "garble": Behaviour(garbles=FOREVER, garble_after=2),  # two words, then a chunk that is not JSON
}
BEHAVIOURS = {"steady": Behaviour(delay=0.005), **FAULTS}
# The retry budget: attempts would allow 10, the 3 s bound stops them first; 1 s of silence is a timeout.
FAST_FAILURE = {"WRITEIT_RETRY_ATTEMPTS": "10", "WRITEIT_RETRY_MAX_SECONDS": "3", "WRITEIT_MODEL_TIMEOUT": "1"}
RUN_LIMIT = 120  # seconds: a step that hangs fails the test instead of stalling the suite
EXPECTED_ERROR = {
    "storm": "RateLimitError: Error code: 429",
    "down": "InternalServerError: Error code: 500",
    "hang": "timed out: no output for 1 s",
    "stall": "timed out: no output for 1 s",
    "garble": "JSONDecodeError",
}


def two_steps(write: str) -> str:
    """A template whose first step one steady model answers and whose second step is `write` (YAML)."""
    return (
        "metadata: {name: faults}\ninputs:\n  topic: {type: text, required: true}\nsteps:\n"
        '  plan:\n    name: Plan\n    prompt_template: "Plan {{ inputs.topic }}"\n    model_preference: [srv-steady]\n'
        f'  write:\n    name: Write\n    prompt_template: "Write from {{{{ steps.plan }}}}"\n    {write}\n'
    )


@pytest.fixture
def server(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAICompatibleServer]:
    for key, value in FAST_FAILURE.items():
        monkeypatch.setenv(key, value)
    templates = isolated_home / "templates"
    templates.mkdir(exist_ok=True)
    every = ", ".join(f"srv-{name}" for name in FAULTS)
    (templates / "faults.yaml").write_text(two_steps(f"models: [{every}, srv-steady]"))
    (templates / "garble-chain.yaml").write_text(two_steps("model_preference: [srv-garble, srv-steady]"))
    with OpenAICompatibleServer(dict(BEHAVIOURS)) as running:
        running.register(Path(os.environ["LLM_USER_PATH"]), {f"srv-{name}": name for name in BEHAVIOURS})
        yield running


def run_and_export(writeit: Runner, template: str) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """Run `template` headless; return (stderr, final state, stored events)."""
    run = writeit("run", template, "-i", "topic=faults", "--pick", "first", timeout=RUN_LIMIT)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    found = re.search(r"pipeline ([0-9a-f]{32}) complete", run.stderr)
    assert found, run.stderr
    shown = writeit("pipelines", "show", found.group(1), "--json")
    assert shown.returncode == 0, shown.stderr
    state = json.loads(shown.stdout)
    exported = writeit("pipelines", "export", state["id"], "--format", "json")
    assert exported.returncode == 0, exported.stderr
    events: list[dict[str, Any]] = json.loads(exported.stdout)["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "no event lost or repeated"
    return run.stderr, state, events


def assert_plan_selection_intact(state: dict[str, Any], events: list[dict[str, Any]]) -> None:
    plan = step(state, "plan")
    [chosen] = [c for c in plan["candidates"] if c["id"] == plan["selected"]]
    assert chosen["text"] == "steady says: Plan faults"
    assert not plan["stale"]
    plan_selections = [e for e in events if e["type"] == "CandidateSelected" and e["step"] == "plan"]
    assert [e["candidate_id"] for e in plan_selections] == [chosen["id"]], "selected once, never undone"


def test_each_faulty_model_fails_cleanly_its_sibling_completes_and_the_earlier_selection_stays(
    writeit: Runner, server: OpenAICompatibleServer
) -> None:
    stderr, state, events = run_and_export(writeit, "faults")
    assert_plan_selection_intact(state, events)
    write = step(state, "write")
    by_model = {c["model"]: c for c in write["candidates"]}
    assert by_model["srv-steady"]["status"] == "completed"
    assert write["selected"] == by_model["srv-steady"]["id"]
    for fault, expected in EXPECTED_ERROR.items():
        faulty = by_model[f"srv-{fault}"]
        assert faulty["status"] == "failed", fault
        assert faulty["error"].startswith(f"model 'srv-{fault}': ")
        assert expected in faulty["error"]
        assert f"srv-{fault} failed: model 'srv-{fault}'" in stderr, "the run says which model failed, and why"
        tries = server.requests[fault]
        assert len(faulty["attempts"]) == tries - 1, "every retry is recorded, and nothing retried silently"
        if fault == "garble":
            assert tries == 1, "a malformed answer is not worth retrying"
        else:
            assert 2 <= tries < 10, "retried, then stopped by the time bound rather than the attempt count"
            assert re.search(
                rf"\(gave up after {tries} attempt\(s\) and [\d.]+ s: the retry time limit is 3 s\)$", faulty["error"]
            )
        if fault in ("stall", "garble"):
            assert faulty["text"] == f"{fault} says:", "the last attempt's words are kept, once"


def test_a_garbled_answer_falls_through_to_the_next_model_of_the_chain(
    writeit: Runner, server: OpenAICompatibleServer
) -> None:
    _, state, events = run_and_export(writeit, "garble-chain")
    assert_plan_selection_intact(state, events)
    [candidate] = step(state, "write")["candidates"]
    assert candidate["status"] == "completed"
    assert candidate["model"] == "srv-steady"
    assert candidate["text"].startswith("steady says: Write from")
    [fell] = [e for e in events if e["type"] == "ModelFellBack"]
    assert (fell["from_model"], fell["to_model"]) == ("srv-garble", "srv-steady")
    assert "JSONDecodeError" in fell["reason"]


async def test_a_hung_provider_never_blocks_the_api_and_its_candidate_can_be_cancelled(isolated_home: Path) -> None:
    home = isolated_home / "served"
    (home / "templates").mkdir(parents=True)
    (home / "templates" / "hang.yaml").write_text(two_steps("models: [srv-hang, srv-steady]"))
    with OpenAICompatibleServer(dict(BEHAVIOURS)) as provider:
        provider.register(_mkdir(home / "llm"), {f"srv-{name}": name for name in BEHAVIOURS})
        with running_server(home, env={"WRITEIT_MODEL_TIMEOUT": "600"}) as api:
            async with api.client() as client:
                created = await client.post("/api/pipelines", json={"template": "hang", "inputs": {"topic": "faults"}})
                pid = created.json()["id"]
                async with connect(f"{api.ws_url}/api/pipelines/{pid}/stream") as ws:
                    watcher = Watcher(ws)
                    [plan] = await generate(client, pid, "plan", 1, ["srv-steady"])
                    await watcher.until_finished([plan])
                    state = await select(client, pid, "plan", plan, (await state_of(client, pid))["version"])
                    hung, steady = await generate(client, pid, "write", state["version"], ["srv-hang", "srv-steady"])
                    await watcher.until_finished([steady])
                    await _until_requested(watcher, provider)
                    # The provider has been silent all along: the API still answers, and shows it running.
                    running = {c["id"]: c["status"] for c in step(await state_of(client, pid), "write")["candidates"]}
                    assert running == {hung: "pending", steady: "completed"}
                    cancelled = await client.post(f"/api/pipelines/{pid}/candidates/{hung}/cancel")
                    assert cancelled.json() == {"candidate_id": hung, "cancelled": True}
                    await watcher.until(event_type("CandidateCancelled"))
                state = await select(client, pid, "write", steady, (await state_of(client, pid))["version"])
        assert step(state, "plan")["selected"] == plan
        assert not step(state, "plan")["stale"]
        assert state["completed"]
        assert "Traceback" not in api.logs()


async def _until_requested(watcher: Watcher, provider: OpenAICompatibleServer) -> None:
    """Wait (reading the socket meanwhile) until the hung request has reached the provider."""
    async with asyncio.timeout(TIMEOUT):
        while provider.requests["hang"] < 1:
            with contextlib.suppress(TimeoutError):
                await watcher.until(lambda _: True, limit=0.05)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
