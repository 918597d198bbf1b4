"""Guided merges, merge recipes and tracked changes over real uvicorn, with models served over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server, state_of, step
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

POINTS = "\n".join(json.dumps({"point": f"Point {n}", "drafts": [n]}) for n in range(1, 9))
SLOW = " ".join(f"word{n}" for n in range(60))


@pytest.fixture(scope="module")
def models() -> Iterator[OpenAICompatibleServer]:
    behaviours = {
        "points": Behaviour(reply=POINTS),
        "writer": Behaviour(reply="The merged text."),
        "slow": Behaviour(reply=SLOW, delay=0.1),
    }
    with OpenAICompatibleServer(behaviours) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, models: OpenAICompatibleServer) -> Iterator[ApiServer]:
    home = tmp_path_factory.mktemp("api-merges")
    (home / "llm").mkdir()
    models.register(home / "llm", {"srv-points": "points", "srv-writer": "writer", "srv-slow": "slow"})
    (home / "workspaces" / "default").mkdir(parents=True)
    (home / "workspaces" / "default" / "recipes.yaml").write_text("house: {instruction: Write it our house way.}\n")
    with running_server(home) as running:
        yield running


async def eight(server: ApiServer, client: httpx.AsyncClient) -> tuple[str, list[str]]:
    pid = (await create(client))["id"]
    async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
        ids = await generate(client, pid, "plan", 1, ["echo"] * 8)
        await Watcher(ws).until_finished(ids)
    assert len(ids) == 8
    return pid, ids


async def test_a_guided_merge_of_eight_candidates_makes_one_extraction_and_one_merge_request(
    server: ApiServer, models: OpenAICompatibleServer
) -> None:
    async with server.client() as client:
        pid, ids = await eight(server, client)
        url = f"/api/pipelines/{pid}/steps/plan"
        version = (await state_of(client, pid))["version"]
        before = (models.requests["points"], models.requests["writer"])
        body = {"candidate_ids": ids, "model": "srv-points", "expected_version": version}
        extracted = await client.post(f"{url}/points", json=body)
        assert extracted.status_code == 200, extracted.text
        extraction = extracted.json()
        assert extraction["error"] == ""
        assert [(p["id"], p["sources"]) for p in extraction["points"]][:2] == [("p1", [ids[0]]), ("p2", [ids[1]])]
        assert (await client.get(f"{url}/points/{extraction['id']}")).json()["points"] == extraction["points"]
        merge = {"extraction_id": extraction["id"], "point_ids": ["p4", "p2"], "model": "srv-writer"}
        merged = await client.post(f"{url}/guided-merge", json={**merge, "expected_version": extraction["version"]})
        assert merged.status_code == 200, merged.text
        assert (models.requests["points"], models.requests["writer"]) == (before[0] + 1, before[1] + 1)
        candidate = step(merged.json(), "plan")["candidates"][-1]
        assert (candidate["text"], candidate["sources"], candidate["points"]) == ("The merged text.", ids, ["p4", "p2"])
        assert "Point 4" in models.bodies[-1]["messages"][-1]["content"]
        assert "Point 1" not in models.bodies[-1]["messages"][-1]["content"]


async def test_an_unreadable_extraction_is_recorded_and_a_wrong_point_is_a_422(server: ApiServer) -> None:
    async with server.client() as client:
        pid, ids = await eight(server, client)
        url = f"/api/pipelines/{pid}/steps/plan"
        version = (await state_of(client, pid))["version"]
        failed = await client.post(
            f"{url}/points", json={"candidate_ids": ids[:2], "model": "echo", "expected_version": version}
        )
        assert failed.status_code == 200, failed.text
        assert failed.json()["points"] == []
        assert "lists no points" in failed.json()["error"]
        assert failed.json()["version"] == version + 1, "the failure is recorded"
        refused = await client.post(
            f"{url}/guided-merge",
            json={"extraction_id": failed.json()["id"], "point_ids": ["p1"], "expected_version": version + 1},
        )
        assert refused.status_code == 409, refused.text
        unknown = await client.post(
            f"{url}/guided-merge", json={"extraction_id": "nope", "point_ids": ["p1"], "expected_version": version + 1}
        )
        assert unknown.status_code == 404, unknown.text
        assert (await state_of(client, pid))["version"] == version + 1


async def test_recipes_are_listed_chosen_by_name_and_an_unknown_one_is_a_422_without_paths(server: ApiServer) -> None:
    async with server.client() as client:
        listed = {r["name"]: r["origin"] for r in (await client.get("/api/recipes")).json()}
        assert listed == {
            "house": "workspace",
            "best-of": "built-in",
            "combine-structure": "built-in",
            "tighten": "built-in",
        }
        pid, ids = await eight(server, client)
        url = f"/api/pipelines/{pid}/steps/plan"
        version = (await state_of(client, pid))["version"]
        body = {"candidate_ids": ids[:2], "recipe": "house", "model": "echo", "expected_version": version}
        merged = await client.post(f"{url}/merge", json=body)
        assert merged.status_code == 200, merged.text
        candidate = step(merged.json(), "plan")["candidates"][-1]
        assert candidate["recipe"] == "house"
        assert "Write it our house way." in candidate["text"]
        again = {"candidate_ids": [candidate["id"], ids[2]], "recipe": "tighten", "model": "echo"}
        twice = await client.post(f"{url}/merge", json={**again, "expected_version": merged.json()["version"]})
        assert twice.status_code == 200, twice.text
        assert step(twice.json(), "plan")["candidates"][-1]["sources"] == [candidate["id"], ids[2]]
        unknown = await client.post(
            f"{url}/merge", json={**again, "recipe": "nope", "expected_version": twice.json()["version"]}
        )
        assert unknown.status_code == 422, unknown.text
        assert "no merge recipe 'nope'" in unknown.json()["detail"]
        assert "workspace" in unknown.json()["detail"]
        assert "/" not in unknown.json()["detail"]


async def test_a_merge_started_while_a_candidate_streams_takes_its_text_so_far(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
            watcher = Watcher(ws)
            fast, slow = await generate(client, pid, "plan", 1, ["echo", "srv-slow"])
            await watcher.until_finished([fast])
            await watcher.until(lambda m: m["type"] == "token" and m["candidate_id"] == slow)
            version = (await state_of(client, pid))["version"]
            body = {"candidate_ids": [fast, slow], "recipe": "best-of", "model": "echo", "expected_version": version}
            merged = await client.post(f"/api/pipelines/{pid}/steps/plan/merge", json=body)
            assert merged.status_code == 200, merged.text
            candidate = step(merged.json(), "plan")["candidates"][-1]
            assert candidate["streaming_sources"] == [slow]
            assert "word0" in candidate["text"]
            assert "word59" not in candidate["text"]
            await watcher.until_finished([slow])


async def test_tracked_changes_are_listed_and_decided_into_an_edit(server: ApiServer) -> None:
    async with server.client() as client:
        pid, ids = await eight(server, client)
        url = f"/api/pipelines/{pid}/steps/plan"
        version = (await state_of(client, pid))["version"]
        edited = await client.post(
            f"{url}/edit", json={"candidate_id": ids[0], "text": "One two three.", "expected_version": version}
        )
        base = await client.post(
            f"{url}/edit",
            json={
                "candidate_id": step(edited.json(), "plan")["selected"],
                "text": "One 2 three four.",
                "expected_version": edited.json()["version"],
            },
        )
        revision = step(base.json(), "plan")["selected"]
        listed = await client.get(f"{url}/candidates/{revision}/changes")
        assert listed.status_code == 200, listed.text
        assert [(c["n"], c["kind"], c["before"], c["after"]) for c in listed.json()["changes"]] == [
            (1, "replace", " two three.", " 2 three four.")
        ]
        count = len(listed.json()["changes"])
        decided = await client.post(
            f"{url}/candidates/{revision}/changes",
            json={"reject": list(range(1, count + 1)), "expected_version": base.json()["version"]},
        )
        assert decided.status_code == 200, decided.text
        result = step(decided.json(), "plan")["candidates"][-1]
        assert result["text"] == "One two three."
        assert result["against"] == step(edited.json(), "plan")["selected"]
        assert all(c["accepted"] is False and c["from"] == revision for c in result["changes"])
        wrong = await client.post(
            f"{url}/candidates/{revision}/changes", json={"accept": [99], "expected_version": decided.json()["version"]}
        )
        assert wrong.status_code == 422, wrong.text
        missing = await client.post(f"{url}/candidates/{revision}/changes", json={"accept": [1]})
        assert missing.status_code == 422, "every command needs expected_version"
