"""Only loopback hosts, and only the server's own origin, reach the API: a web page cannot read or drive it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.e2e.api_server import ApiServer, create, running_server, state_of


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("loopback")) as running:
        yield running


async def test_a_foreign_host_header_is_refused(server: ApiServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        refused = await client.get("/api/pipelines", headers={"Host": "attacker.example"})
        assert refused.status_code == 403
        assert (await client.get("/api/pipelines", headers={"Host": "localhost"})).status_code == 200


def foreign_origins(server: ApiServer) -> list[str]:
    """Origins a browser page elsewhere would send: another port or scheme on this machine, another host."""
    port = urlsplit(server.url).port
    return [
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        f"https://127.0.0.1:{port}",
        f"ws://127.0.0.1:{port}",
        "http://127.0.0.1",
        f"http://localhost:{port}",  # the Host is 127.0.0.1: another origin, even if the same machine
        f"http://127.0.0.1:{port}.evil.example",
        f"http://evil.example:{port}",
        "null",
        "https://evil.example",
    ]


async def test_a_cross_origin_request_is_refused_whatever_its_port_and_only_the_servers_own_origin_is_served(
    server: ApiServer,
) -> None:
    body = {"template": "quick-article", "inputs": {"topic": "x"}}
    async with httpx.AsyncClient(base_url=server.url) as client:
        for origin in foreign_origins(server):
            for method, body_sent in (("GET", None), ("POST", body)):
                refused = await client.request(method, "/api/pipelines", json=body_sent, headers={"Origin": origin})
                assert refused.status_code == 403, (origin, method, refused.text)
                assert "origin" in refused.json()["detail"]
        assert (await client.get("/api/pipelines")).json() == [], "nothing created"
        own = await client.post("/api/pipelines", json=body, headers={"Origin": server.url})
        assert own.status_code == 201, own.text
        port = urlsplit(server.url).port
        by_name = {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}
        assert (await client.get("/api/pipelines", headers=by_name)).status_code == 200


async def test_a_page_on_another_local_port_cannot_switch_a_branch_with_a_text_plain_post(server: ApiServer) -> None:
    async with server.client() as client:
        state = await create(client)
        forked = await client.post(
            f"/api/pipelines/{state['id']}/fork", json={"from_step": "plan", "expected_version": state["version"]}
        )
        assert forked.status_code == 201, forked.text
        url = f"/api/pipelines/{state['id']}/branches/main/switch"
        version = forked.json()["version"]
        simple = {"content-type": "text/plain"}
        content = json.dumps({"expected_version": version})
        from_page = await client.post(url, content=content, headers={**simple, "Origin": "http://localhost:3000"})
        assert from_page.status_code == 403
        assert (await state_of(client, state["id"]))["branch"] == forked.json()["branch"], "not switched"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
)
async def test_a_command_body_not_sent_as_json_is_refused_with_415_naming_the_type(
    server: ApiServer, content_type: str | None
) -> None:
    async with server.client() as client:
        state = await create(client)
        before = (await client.get(f"/api/pipelines/{state['id']}/events")).json()
        body = json.dumps({"expected_version": state["version"], "models": ["echo"]}).encode()
        headers = {"content-type": content_type} if content_type else {}
        for url in (f"/api/pipelines/{state['id']}/steps/plan/generate", "/api/pipelines"):
            refused = await client.post(url, content=body, headers=headers)  # content= sets no type
            assert refused.status_code == 415, (url, refused.text)
            assert "Content-Type: application/json" in refused.json()["detail"]
        assert (await client.get(f"/api/pipelines/{state['id']}/events")).json() == before, "nothing stored"
        typed = {"content-type": "application/json; charset=utf-8"}
        url = f"/api/pipelines/{state['id']}/steps/plan/generate"
        assert (await client.post(url, content=body, headers=typed)).status_code == 202


async def test_a_websocket_from_another_origin_is_refused_with_403(server: ApiServer) -> None:
    async with server.client() as client:
        state = await create(client)
    url = f"{server.ws_url}/api/pipelines/{state['id']}/stream"
    for origin in foreign_origins(server):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, origin=Origin(origin)) as ws:
                await ws.recv()
        assert refused.value.response.status_code == 403, origin
    for allowed in (None, Origin(server.url)):
        async with connect(url, origin=allowed) as ws:
            assert (await ws.recv()) is not None
