"""What the API's pipeline view says of an edit, a model's merge and a sample, over real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server, state_of, step


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-view")) as running:
        yield running


async def test_the_view_names_an_edits_source_a_merges_usage_and_each_samples_seed(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
            ids = await generate(client, pid, "plan", 1, ["echo", "echo"])
            await Watcher(ws).until_finished(ids)
        state = await state_of(client, pid)
        generated = step(state, "plan")["candidates"]
        assert all(c["edit_of"] is None for c in generated)
        assert len({c["seed"] for c in generated}) == 2
        url = f"/api/pipelines/{pid}/steps/plan"
        body = {"text": "Rewritten.", "candidate_id": ids[1], "expected_version": state["version"]}
        edited = await client.post(f"{url}/edit", json=body)
        assert edited.status_code == 200, edited.text
        edit = step(edited.json(), "plan")["candidates"][-1]
        assert (edit["origin"], edit["edit_of"]) == ("edited", ids[1])
        body = {
            "candidate_ids": ids,
            "instruction": "Short.",
            "model": "echo",
            "expected_version": edited.json()["version"],
        }
        merged = await client.post(f"{url}/merge", json=body)
        assert merged.status_code == 200, merged.text
        merge = step(merged.json(), "plan")["candidates"][-1]
        assert merge["usage"]["output_tokens"] > 0
        assert merged.json()["totals"]["output_tokens"] == sum(
            c["usage"]["output_tokens"] for c in step(merged.json(), "plan")["candidates"]
        )
