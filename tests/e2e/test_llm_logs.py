"""`log_to_llm`: every completed candidate of a run is in llm's logs database, as `llm logs --json` lists it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner
from writeit.adapters.llm.llm_logs import LlmLogs
from writeit.application.ports import CompletedCandidate
from writeit.entrypoints.cli.common import open_container

LLM = [str(Path(sys.executable).parent / "llm")]


def llm_logs() -> list[dict[str, object]]:
    listed = subprocess.run(
        [*LLM, "logs", "--json", "-n", "0"], env=dict(os.environ), capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    return list(json.loads(listed.stdout))


def completed_events(writeit: Runner, tmp_path: Path) -> list[dict[str, object]]:
    pipeline_id = json.loads(writeit("pipelines", "list", "--json").stdout)[0]["id"]
    assert writeit("pipelines", "export", pipeline_id, "--format", "jsonl", "-o", "events.jsonl").returncode == 0
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    steps = {cid: e["step"] for e in events if e["type"] == "StepStarted" for cid in e["candidate_ids"]}
    return [{**e, "step": steps[e["candidate_id"]]} for e in events if e["type"] == "CandidateCompleted"]


def test_with_log_to_llm_on_llm_logs_lists_every_candidate_of_a_run(
    writeit: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-logged-0123")
    assert writeit("config", "set", "log_to_llm", "true").returncode == 0
    run = writeit("run", "quick-article", "-i", "topic=Logs", "-m", "echo", "-m", "markov", "-q")
    assert run.returncode == 0, run.stderr

    completed = completed_events(writeit, tmp_path)
    logged = {str(entry["conversation_id"]): entry for entry in llm_logs()}
    assert len(completed) == 6, "three steps, two models each"
    assert len(logged) == 6
    for event in completed:
        entry = logged[f"writeit-{event['candidate_id']}"]
        assert entry["model"] == event["model"]
        assert entry["prompt"] == event["prompt"]
        assert entry["response"] == event["text"]
        assert (entry["input_tokens"], entry["output_tokens"]) == (event["input_tokens"], event["output_tokens"])
        tags = f"writeit pipeline={event['pipeline_id']} step={event['step']} candidate={event['candidate_id']}"
        assert entry["conversation_name"] == tags
        assert entry["options_json"] == {}
    database = Path(os.environ["LLM_USER_PATH"]) / "logs.db"
    assert b"sk-never-logged" not in database.read_bytes()


def test_llm_logs_stay_empty_by_default(writeit: Runner) -> None:
    assert writeit("run", "quick-article", "-i", "topic=Quiet", "-m", "echo", "-q").returncode == 0
    assert not (Path(os.environ["LLM_USER_PATH"]) / "logs.db").exists()


async def test_candidates_generated_in_process_are_logged_as_they_complete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WRITEIT_LOG_TO_LLM", "1")
    async with open_container() as container:
        service = container.pipelines()
        view = await service.start("tech-article", {"topic": "Async"})
        await (await service.generate(view.id, models=["echo", "echo"])).wait()
        candidates = (await service.get(view.id)).step("angles").candidates
    logged = {str(e["conversation_id"]): e for e in llm_logs()}
    assert set(logged) == {f"writeit-{c.id}" for c in candidates}


async def test_a_slow_logs_database_does_not_stall_the_event_loop() -> None:
    logs = LlmLogs()
    completed = CompletedCandidate(
        pipeline_id="p", step="s", candidate_id="c", model="echo", prompt="hi", system="", text="hello",
        input_tokens=1, output_tokens=1, duration_ms=5, at="2026-01-01T00:00:00+00:00",
    )  # fmt: skip
    held = threading.Event()

    def hold_the_database() -> None:  # another writer, for half a second
        with logs._lock:
            held.set()
            time.sleep(0.5)

    holder = threading.Thread(target=hold_the_database)
    holder.start()
    held.wait(5)
    loop = asyncio.get_running_loop()
    writing = asyncio.create_task(logs.record(completed))
    last, longest = loop.time(), 0.0
    while not writing.done():
        await asyncio.sleep(0.01)
        longest, last = max(longest, loop.time() - last), loop.time()
    holder.join()
    await writing
    assert longest < 0.25, f"the loop stalled {longest:.2f} s while the write waited"
    assert [e["conversation_name"] for e in llm_logs()] == ["writeit pipeline=p step=s candidate=c"]
