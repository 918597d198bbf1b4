"""Without a token, only loopback hosts and origins reach the API: a web page cannot read or drive it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.api_server import ApiServer, create, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("loopback")) as running:
        yield running


async def test_a_foreign_host_header_is_refused(server: ApiServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        refused = await client.get("/api/pipelines", headers={"Host": "attacker.example"})
        assert refused.status_code == 403
        assert (await client.get("/api/pipelines", headers={"Host": "localhost"})).status_code == 200


async def test_a_cross_origin_request_is_refused_and_a_loopback_origin_served(server: ApiServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        body = {"template": "quick-article", "inputs": {"topic": "x"}}
        refused = await client.post("/api/pipelines", json=body, headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403
        assert (await client.get("/api/pipelines")).json() == []
        local = await client.get("/api/pipelines", headers={"Origin": "http://localhost:5173"})
        assert local.status_code == 200


async def test_a_websocket_from_a_foreign_origin_is_closed(server: ApiServer) -> None:
    async with server.client() as client:
        state = await create(client)
    url = f"{server.ws_url}/api/pipelines/{state['id']}/stream"
    with pytest.raises((ConnectionClosed, InvalidStatus)):
        async with connect(url, origin="https://evil.example") as ws:  # type: ignore[arg-type]
            await ws.recv()
    async with connect(url) as ws:
        assert (await ws.recv()) is not None
