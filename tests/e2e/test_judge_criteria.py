"""A step's `criteria:` on the CLI and the API, and the judge paid for as a candidate is: estimated against the
budget before the call (refused with nothing stored), then in the pipeline's totals and its export."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import Watcher, generate, running_server, state_of, step
from tests.e2e.conftest import Runner
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

VERDICT = json.dumps({
    "scores": [
        {"draft": 1, "criterion": "tone", "score": 7, "reason": "Even."},
        {"draft": 1, "criterion": "depth", "score": 5, "reason": "Thin on sources."},
    ]
})  # fmt: skip
TEMPLATE = """\
metadata: {name: judged}
inputs:
  topic: {type: text, required: true}
steps:
  plan:
    prompt_template: "Plan an article on {{ inputs.topic }}."
    criteria: [tone, depth]
"""


@pytest.fixture
def judge(isolated_home: Path) -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer({"judge": Behaviour(reply=VERDICT)}) as running:
        running.register(Path(os.environ["LLM_USER_PATH"]), {"srv-judge": "judge"})
        yield running


def _started(writeit: Runner, tmp_path: Path) -> str:
    (tmp_path / "judged.yaml").write_text(TEMPLATE, encoding="utf-8")
    started = writeit("pipelines", "start", str(tmp_path / "judged.yaml"), "-i", "topic=Judges", "-m", "echo", "--json")
    assert started.returncode == 0, started.stderr
    pid = str(json.loads(started.stdout)["id"])
    assert writeit("pipelines", "generate", pid).returncode == 0
    return pid


def _event_types(writeit: Runner, pid: str) -> list[str]:
    done = writeit("pipelines", "export", pid, "--format", "jsonl")
    return [json.loads(line)["type"] for line in done.stdout.splitlines()]


def test_templates_validate_locates_a_bad_criteria_list(writeit: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEMPLATE.replace("criteria: [tone, depth]", "criteria:\n      - tone\n      - ''"), "utf-8")
    checked = writeit("templates", "validate", str(bad))
    assert checked.returncode != 0
    assert f"{bad}:9: steps.plan.criteria[1]: an empty criterion" in checked.stderr
    assert "Traceback" not in checked.stderr


def test_the_cli_judge_scores_the_steps_criteria_and_its_cost_is_in_the_totals_and_the_export(
    writeit: Runner, tmp_path: Path, isolated_home: Path, judge: OpenAICompatibleServer
) -> None:
    (isolated_home / "prices.yaml").write_text("srv-judge: {input: 3.0, output: 15.0}\n", encoding="utf-8")
    pid = _started(writeit, tmp_path)
    before = json.loads(writeit("pipelines", "show", pid, "--json").stdout)["totals"]
    judged = writeit("pipelines", "judge", pid, "--step", "plan", "--model", "srv-judge", "--json")
    assert judged.returncode == 0, judged.stderr
    found = json.loads(judged.stdout)
    assert found["criteria"] == ["tone", "depth"]
    assert [(s["criterion"], s["score"]) for s in found["scores"]] == [("tone", 7), ("depth", 5)]
    assert "Criteria: tone, depth" in judge.bodies[-1]["messages"][-1]["content"]
    assert found["usage"]["cost"] > 0
    shown = json.loads(writeit("pipelines", "show", pid, "--json").stdout)
    assert shown["steps"][0]["judgement"]["scores"] == found["scores"]
    assert shown["steps"][0]["selected"] is None
    plain = writeit("pipelines", "show", pid).stdout
    candidate = found["scores"][0]["candidate_id"][:8]
    assert "    judged by srv-judge on tone, depth ($" in plain
    assert f"      {candidate} tone 7, depth 5" in plain
    totals = shown["totals"]
    assert totals["input_tokens"] == before["input_tokens"] + found["usage"]["input_tokens"]
    assert totals["cost"] == pytest.approx(before["cost"] + found["usage"]["cost"])
    article = writeit("pipelines", "export", pid, "--format", "markdown").stdout  # its front matter
    (cost,) = [line.split(":", 1)[1] for line in article.splitlines() if line.startswith("cost_usd:")]
    assert float(cost) == pytest.approx(totals["cost"])


def test_a_judge_past_the_budget_is_refused_before_the_call_and_records_nothing(
    writeit: Runner, tmp_path: Path, isolated_home: Path, judge: OpenAICompatibleServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_home / "prices.yaml").write_text("srv-judge: {input: 3000.0, output: 15000.0}\n", encoding="utf-8")
    pid = _started(writeit, tmp_path)
    before = _event_types(writeit, pid)
    monkeypatch.setenv("WRITEIT_BUDGET_USD", "0.01")
    refused = writeit("pipelines", "judge", pid, "--step", "plan", "--model", "srv-judge")
    assert refused.returncode == 1
    assert "step 'judge': 1 candidate(s) would cost about $" in refused.stderr
    assert "budget" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert judge.requests.get("judge", 0) == 0
    assert _event_types(writeit, pid) == before


async def test_the_api_step_view_carries_the_judgement_and_the_template_shows_the_criteria(
    tmp_path: Path, judge: OpenAICompatibleServer
) -> None:
    (tmp_path / "home" / "templates").mkdir(parents=True)
    (tmp_path / "home" / "templates" / "judged.yaml").write_text(TEMPLATE, encoding="utf-8")
    llm_dir = {"LLM_USER_PATH": os.environ["LLM_USER_PATH"]}  # where the judge model is registered
    with running_server(tmp_path / "home", env=llm_dir) as server:
        async with server.client() as client:
            listed = (await client.get("/api/templates/judged")).json()
            assert listed["steps"][0]["criteria"] == ["tone", "depth"]
            made = await client.post("/api/pipelines", json={"template": "judged", "inputs": {"topic": "Judges"}})
            assert made.status_code == 201, made.text
            pid = made.json()["id"]
            async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
                await Watcher(ws).until_finished(await generate(client, pid, "plan", 1, ["echo"]))
            state = await state_of(client, pid)
            assert step(state, "plan")["judgement"] is None
            body = {"model": "srv-judge", "expected_version": state["version"]}
            judged = await client.post(f"/api/pipelines/{pid}/steps/plan/judge", json=body)
            assert judged.status_code == 200, judged.text
            state = await state_of(client, pid)
    judgement = step(state, "plan")["judgement"]
    assert (judgement["model"], judgement["criteria"]) == ("srv-judge", ["tone", "depth"])
    assert [(s["criterion"], s["score"], s["reason"]) for s in judgement["scores"]] == [
        ("tone", 7, "Even."), ("depth", 5, "Thin on sources."),
    ]  # fmt: skip
    assert step(state, "plan")["selected"] is None
