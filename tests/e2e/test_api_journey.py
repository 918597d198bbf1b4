"""The whole journey over real uvicorn and a real WebSocket client, on the offline echo and markov models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import (
    ApiServer,
    Watcher,
    create,
    event_type,
    generate,
    running_server,
    select,
    state_of,
    step,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """One server for the module: each test works on pipelines of its own."""
    with running_server(tmp_path_factory.mktemp("api-journey")) as running:
        yield running


async def test_a_whole_journey_streams_forks_and_exports(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
            watcher = Watcher(ws)
            plan = await generate(client, pid, "plan", 1, ["markov", "echo"])
            await watcher.until_finished(plan)
            state = await state_of(client, pid)
            markov = next(c for c in step(state, "plan")["candidates"] if c["model"] == "markov")
            streamed = "".join(t["text"] for t in watcher.tokens if t["candidate_id"] == markov["id"])
            assert len(watcher.tokens) > 2, "markov streams word by word"
            assert streamed == markov["text"], "the chunks add up to what the candidate finally said"
            assert markov["status"] == "completed"
            assert markov["usage"]["output_tokens"] > 0

            state = await select(client, pid, "plan", plan[1], state["version"])
            write = await generate(client, pid, "write", state["version"], ["echo"])
            await watcher.until_finished(write)
            state = await select(client, pid, "write", write[0], (await state_of(client, pid))["version"])
            main_write = step(state, "write")["selected"]

            forked = await client.post(
                f"/api/pipelines/{pid}/fork", json={"from_step": "write", "expected_version": state["version"]}
            )
            assert forked.status_code == 201, forked.text
            fork = forked.json()
            assert fork["branch"] != "main"
            assert step(fork, "plan")["selected"] == plan[1]
            assert step(fork, "write")["selected"] is None

            again = await generate(client, pid, "write", fork["version"], ["echo"])
            await watcher.until_finished(again)
            state = await select(client, pid, "write", again[0], (await state_of(client, pid))["version"])
            assert step(state, "write")["selected"] == again[0]

        main = await state_of(client, pid, "main")
        assert step(main, "write")["selected"] == main_write, "the parent branch is untouched"
        exported = await client.get(f"/api/pipelines/{pid}/export", params={"format": "markdown"})
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/markdown")
        assert f'branch: "{fork["branch"]}"' in exported.text
        history = (await client.get(f"/api/pipelines/{pid}/export", params={"format": "json"})).json()
        stored = (await client.get(f"/api/pipelines/{pid}/events")).json()
        assert [e["seq"] for e in history["events"]] == [e["seq"] for e in stored]
        assert watcher.seqs == [e["seq"] for e in stored][: len(watcher.seqs)], "the socket sent them all, in order"
        as_yaml = await client.get(f"/api/pipelines/{pid}/export", params={"format": "yaml"})
        assert as_yaml.headers["content-type"].startswith("application/yaml")
        assert "format: writeit.history/1" in as_yaml.text


async def test_a_client_that_reconnects_with_after_gets_every_event_exactly_once(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        stream = f"{server.ws_url}/api/pipelines/{pid}/stream"
        async with connect(f"{stream}?after=0") as ws:
            first = Watcher(ws)
            ids = await generate(client, pid, "plan", 1, ["markov", "markov"])
            await first.until(lambda m: m["type"] == "token")  # disconnect in the middle of the step
        async with connect(f"{stream}?after={first.seqs[-1]}") as ws:
            second = Watcher(ws)
            await second.until_finished(ids)
        stored = [e["seq"] for e in (await client.get(f"/api/pipelines/{pid}/events")).json()]
        received = first.seqs + second.seqs
        assert received == stored, "every stored event once, in order, across the reconnection"
        assert second.seqs[0] == first.seqs[-1] + 1


async def test_several_clients_watch_one_pipeline_and_see_the_same_events(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        stream = f"{server.ws_url}/api/pipelines/{pid}/stream?after=0"
        async with connect(stream) as one, connect(stream) as two:
            watchers = [Watcher(one), Watcher(two)]
            ids = await generate(client, pid, "plan", 1, ["echo", "markov"])
            for watcher in watchers:
                await watcher.until_finished(ids)
            late = Watcher(await connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=1"))
            await late.until_finished(ids)
            await late.ws.close()
        assert watchers[0].seqs == watchers[1].seqs == [1, 2, 3, 4]
        assert late.seqs == [2, 3, 4]
        final = {c["id"]: c["text"] for c in step(await state_of(client, pid), "plan")["candidates"]}
        for watcher in watchers:
            assert streamed_text(watcher) == final, "each client got every chunk, in order"
            for cid in ids:
                last_chunk = max(i for i, m in enumerate(watcher.received) if m.get("candidate_id") == cid)
                outcome = next(
                    i for i, m in enumerate(watcher.received) if m.get("event", {}).get("candidate_id") == cid
                )
                assert last_chunk < outcome, "no chunk of a candidate arrives after the event that ended it"


def streamed_text(watcher: Watcher) -> dict[str, str]:
    """Each candidate's streamed text (frames may group chunks differently from one client to another)."""
    texts: dict[str, str] = {}
    for token in watcher.tokens:
        texts[token["candidate_id"]] = texts.get(token["candidate_id"], "") + token["text"]
    return texts


async def test_an_edit_and_merges_by_hand_and_by_model_each_become_the_selection(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
            ids = await generate(client, pid, "plan", 1, ["echo", "echo"])
            await Watcher(ws).until_finished(ids)
        url = f"/api/pipelines/{pid}/steps/plan"
        version = (await state_of(client, pid))["version"]
        merge = {"candidate_ids": ids, "text": "Both, by hand.", "expected_version": version}
        by_hand = await client.post(f"{url}/merge", json=merge)
        assert by_hand.status_code == 200, by_hand.text
        merged = step(by_hand.json(), "plan")
        assert merged["candidates"][-1]["origin"] == "merged"
        assert merged["selected"] == merged["candidates"][-1]["id"]

        edited = await client.post(
            f"{url}/edit", json={"text": "Rewritten.", "expected_version": by_hand.json()["version"]}
        )
        assert edited.status_code == 200, edited.text
        assert step(edited.json(), "plan")["candidates"][-1]["text"] == "Rewritten."

        by_model = await client.post(
            f"{url}/merge",
            json={
                "candidate_ids": ids,
                "instruction": "Keep it short.",
                "model": "echo",
                "expected_version": edited.json()["version"],
            },
        )
        assert by_model.status_code == 200, by_model.text
        last = step(by_model.json(), "plan")["candidates"][-1]
        assert last["model"] == "echo"
        assert last["instruction"] == "Keep it short."
        assert "Draft 1" in last["text"]


async def test_a_running_candidate_can_be_cancelled_and_keeps_its_partial_text(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
            watcher = Watcher(ws)
            [cid] = await generate(client, pid, "plan", 1, ["markov"])
            await watcher.until(lambda m: m["type"] == "token")
            cancelled = await client.post(f"/api/pipelines/{pid}/candidates/{cid}/cancel")
            assert cancelled.status_code == 200
            assert cancelled.json()["cancelled"] is True
            outcome = await watcher.until(event_type("CandidateCancelled"))
        assert outcome["event"]["partial_text"]
        again = await client.post(f"/api/pipelines/{pid}/candidates/{cid}/cancel")
        assert again.status_code == 200
        assert again.json()["cancelled"] is False
        unknown = await client.post(f"/api/pipelines/{pid}/candidates/{'f' * 32}/cancel")
        assert unknown.status_code == 404
