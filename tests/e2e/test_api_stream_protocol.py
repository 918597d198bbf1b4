"""The WebSocket as a protocol: bad frames close it cleanly, and every message matches docs/asyncapi.yaml."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.api_server import ApiServer, Watcher, create, running_server


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
