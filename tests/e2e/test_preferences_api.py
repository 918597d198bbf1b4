"""GET /api/leaderboard and GET /api/preferences over a real uvicorn, fed by selections made over the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server, select, state_of, step


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-preferences")) as running:
        yield running


async def _events(server: ApiServer, pid: str) -> list[dict[str, Any]]:
    async with server.client() as client:
        response = await client.get(f"/api/pipelines/{pid}/events")
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()
        return events


async def test_a_selection_made_over_the_api_ranks_its_model_and_exports_as_dpo(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client, "Ranking models"))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
            plan = await generate(client, pid, "plan", 1, ["markov", "echo"])
            await Watcher(ws).until_finished(plan)
        state = await state_of(client, pid)
        await select(client, pid, "plan", plan[0], state["version"])  # markov over echo

        board = (await client.get("/api/leaderboard", params={"template": "quick-article", "step": "plan"})).json()
        assert board["comparisons"] == 1
        assert [(m["model"], m["wins"], m["losses"], m["games"]) for m in board["models"]] == [
            ("markov", 1, 0, 1),
            ("echo", 0, 1, 1),
        ]
        assert board["models"][0]["win_rate"] == 1.0
        assert 0 < board["models"][0]["win_rate_low"] < 1 == board["models"][0]["win_rate_high"]
        assert (await client.get("/api/leaderboard", params={"step": "polish"})).json()["models"] == []

        response = await client.get("/api/preferences", params={"format": "dpo", "pipeline": pid[:10]})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/x-ndjson")
        (record,) = [json.loads(line) for line in response.text.splitlines()]
        completed = {e["candidate_id"]: e for e in await _events(server, pid) if e["type"] == "CandidateCompleted"}
        candidates = {c["id"]: c for c in step(await state_of(client, pid), "plan")["candidates"]}
        assert record == {
            "prompt": completed[plan[0]]["prompt"],
            "chosen": candidates[plan[0]]["text"],
            "rejected": candidates[plan[1]]["text"],
        }
        assert record["prompt"].startswith("Plan a short article")


async def test_a_bad_format_is_a_422_and_an_unknown_pipeline_a_404(server: ApiServer) -> None:
    async with server.client() as client:
        bad = await client.get("/api/preferences", params={"format": "csv"})
        assert bad.status_code == 422
        assert "format" in bad.text
        unknown = await client.get("/api/preferences", params={"pipeline": "nope"})
        assert unknown.status_code == 404
        assert "nope" in unknown.text
        long = await client.get("/api/leaderboard", params={"template": "x" * 500})
        assert long.status_code == 422


async def test_judging_over_the_api_records_the_call_and_refuses_a_stale_version(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client, "Judged"))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
            plan = await generate(client, pid, "plan", 1, ["markov", "echo"])
            await Watcher(ws).until_finished(plan)
        version = (await state_of(client, pid))["version"]
        body = {"model": "echo", "criteria": ["clarity"], "expected_version": version}
        judged = await client.post(f"/api/pipelines/{pid}/steps/plan/judge", json=body)
        assert judged.status_code == 200, judged.text
        assert (judged.json()["model"], judged.json()["scores"]) == ("echo", [])
        assert judged.json()["error"]
        assert [e["type"] for e in await _events(server, pid)][-1] == "CandidatesJudged"
        stale = await client.post(f"/api/pipelines/{pid}/steps/plan/judge", json=body)
        assert stale.status_code == 409
        missing = await client.post(f"/api/pipelines/{pid}/steps/plan/judge", json={"model": "markov"})
        assert missing.status_code == 422
        assert "expected_version" in missing.text
        unknown = await client.post(f"/api/pipelines/{pid}/steps/nope/judge", json={"expected_version": version + 1})
        assert unknown.status_code == 404


async def test_a_misspelt_filter_is_refused_rather_than_ignored(server: ApiServer) -> None:
    async with server.client() as client:
        refused = await client.get("/api/leaderboard", params={"templat": "quick-article"})
        assert refused.status_code == 422
        assert "templat" in refused.text
