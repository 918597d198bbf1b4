"""The WebSocket as a protocol: bad frames close it cleanly, and every message matches docs/asyncapi.yaml."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server, select, state_of


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-stream-protocol")) as running:
        yield running


@pytest.mark.parametrize(
    "frames",
    [[b"\xff\xfe"], [b"caf\xc3"], [b"ok ", b"\xed\xa0\x80"]],  # not UTF-8; cut mid-character; a surrogate
    ids=["invalid", "truncated", "surrogate-in-a-fragment"],
)
async def test_a_text_frame_that_is_not_utf8_closes_with_1007_and_no_traceback(
    server: ApiServer, frames: list[bytes]
) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
    async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
        assert (await Watcher(ws).next())["seq"] == 1
        await ws.send(frames if len(frames) > 1 else frames[0], text=True)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 30)  # nothing else is due: the pipeline is idle
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1007
    await asyncio.sleep(0.2)  # the server's log line is written as it closes
    logs = server.logs()
    assert "Traceback" not in logs
    assert "not UTF-8; closed with 1007" in logs
    async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
        await ws.send(["caf", "é ✓"])  # valid text, in fragments, is still read (and ignored)
        await ws.send(b"\xff", text=False)  # so are binary frames, whatever they hold
        assert (await Watcher(ws).next())["seq"] == 1
        await ws.ping()


ASYNCAPI = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
Message = dict[str, Any]


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ASYNCAPI.read_text())
    return loaded


def resolve(root: dict[str, Any], ref: str) -> Any:
    """The node a local $ref names, following a $ref that names another."""
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return resolve(root, node["$ref"]) if isinstance(node, dict) and set(node) == {"$ref"} else node


def payload_validators() -> dict[str, jsonschema_rs.Validator]:
    """Each message of the stream channel, by name: a validator of its payload (with the whole document as the
    root, so that the payload's $refs resolve in it; its other keys are no JSON Schema keywords)."""
    doc = document()
    return {
        name: jsonschema_rs.validator_for({**doc, "$ref": resolve(doc, message["$ref"])["payload"]["$ref"]})
        for name, message in doc["channels"]["stream"]["messages"].items()
    }


def test_the_asyncapi_document_is_consistent() -> None:
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    channel = doc["channels"]["stream"]
    assert channel["address"] == "/api/pipelines/{pipeline_id}/stream"
    sent = [resolve(doc, m["$ref"]) for m in doc["operations"]["sendStream"]["messages"]]
    assert sent == [resolve(doc, m["$ref"]) for m in channel["messages"].values()]
    assert set(payload_validators()) == {"event", "token", "error"}


async def real_messages(server: ApiServer) -> list[Message]:
    """What a real server sends through a journey (a round of two streaming candidates, a selection, a merge, a
    fork and a switch) and two refusals."""
    received: list[Message] = []
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
            watcher = Watcher(ws)
            ids = await generate(client, pid, "plan", 1, ["echo", "markov"])
            await watcher.until_finished(ids)
            state = await select(client, pid, "plan", ids[0], (await state_of(client, pid))["version"])
            url = f"/api/pipelines/{pid}"
            body = {"candidate_ids": ids, "text": "Both.", "expected_version": state["version"]}
            merged = (await client.post(f"{url}/steps/plan/merge", json=body)).json()
            forked = await client.post(f"{url}/fork", json={"from_step": "plan", "expected_version": merged["version"]})
            switch = {"expected_version": forked.json()["version"]}
            final = (await client.post(f"{url}/branches/main/switch", json=switch)).json()
            await watcher.until(lambda m: m.get("seq") == final["version"])
            received += watcher.received
        for bad in ("?after=-1", "", "?after=x"):
            target = f"/api/pipelines/{'0' * 32 if not bad else pid}/stream{bad}"
            async with connect(server.ws_url + target) as ws:
                received.append(await Watcher(ws).next())
    return received


async def test_every_message_of_a_real_server_matches_the_asyncapi_schemas(server: ApiServer) -> None:
    validators = payload_validators()
    received = await real_messages(server)
    assert {m["type"] for m in received} == {"event", "token", "error"}, "each kind was seen"
    for message in received:
        matching = [name for name, validator in validators.items() if validator.is_valid(message)]
        assert matching == [message["type"]], message
        if message["type"] == "event":
            assert message["event"]["seq"] == message["seq"]
    types = {m["event"]["type"] for m in received if m["type"] == "event"}
    assert {"PipelineStarted", "CandidateCompleted", "CandidatesMerged", "BranchForked", "BranchSwitched"} <= types


@pytest.mark.parametrize(
    "message",
    [
        {"type": "token", "candidate_id": "c1"},
        {"type": "token", "candidate_id": "c1", "text": "x", "reset": False},
        {"type": "event", "seq": 0, "event": {"type": "X", "v": 1, "seq": 0, "pipeline_id": "0" * 32, "at": "x"}},
        {"type": "event", "seq": 1, "event": {"type": "StepStarted", "v": 1, "seq": 1}},
        {"type": "error", "code": 500, "message": "x"},
        {"type": "select", "candidate_id": "c1"},
    ],
)
def test_a_message_outside_the_protocol_matches_no_schema(message: Message) -> None:
    assert not [name for name, validator in payload_validators().items() if validator.is_valid(message)]
