"""The API embedded in the TUI's process: real uvicorn on 127.0.0.1, a real WebSocket client beside the TUI."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.tui_support import all_finished, make_app, open_container, panels, screen_text, wait_for
from writeit.entrypoints.container import Container
from writeit.entrypoints.launch import api_server
from writeit.entrypoints.tui.screens.step import StepScreen


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container(counted_ids=False) as opened:
        yield opened


async def next_event(ws: ClientConnection, kind: str, within: float = 30) -> dict[str, Any]:
    """The next stored event of type `kind` the client receives (token chunks and other events are skipped)."""
    async with asyncio.timeout(within):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "event" and message["event"]["type"] == kind:
                return dict(message["event"])


async def test_the_tui_serves_the_api_on_loopback_and_shows_the_port(container: Container) -> None:
    app = make_app(container, api_server(container))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.port is not None, "the API server")
        assert f"API http://127.0.0.1:{app.port}" in screen_text(app)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.port}") as client:
            health = await client.get("/api/health")
            templates = await client.get("/api/templates")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert "quick-article" in templates.text


async def test_a_websocket_client_sees_what_the_tui_does_and_the_tui_sees_what_it_does(container: Container) -> None:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Two windows"})
    app = make_app(container, api_server(container))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.port is not None, "the API server")
        url = f"ws://127.0.0.1:{app.port}/api/pipelines/{view.id}/stream"
        async with connect(url) as ws:
            await app.push_screen(StepScreen(service, view.id, models=["echo", "echo"], generate=True))
            started = await next_event(ws, "StepStarted")
            await wait_for(pilot, lambda: all_finished(app) and len(panels(app)) == 2, "the candidates")
            await pilot.press("2")
            selected = await next_event(ws, "CandidateSelected")
            assert selected["candidate_id"] == started["candidate_ids"][1]

            version = (await service.get(view.id)).version
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.port}") as client:
                reply = await client.post(
                    f"/api/pipelines/{view.id}/steps/plan/select",
                    json={"candidate_id": started["candidate_ids"][0], "expected_version": version},
                )
            assert reply.status_code == 200, reply.text
            await wait_for(pilot, lambda: panels(app)[0].selected, "the API's selection in the TUI")
            assert "★ selected" in screen_text(app)


async def test_a_taken_port_leaves_the_tui_running_without_the_api(container: Container) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = make_app(container, api_server(container, port))
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: "could not start" in screen_text(app), "the header's API state")
            assert app.port is None
            await pilot.press("enter")  # the TUI still works: the form opens
            await wait_for(pilot, lambda: "Topic" in screen_text(app), "the input form")


async def test_the_embedded_server_stops_even_with_a_websocket_open(container: Container) -> None:
    service = container.pipelines()
    view = await service.start("quick-article", {"topic": "Stop"})
    server = api_server(container)
    port = await server.start()
    async with connect(f"ws://127.0.0.1:{port}/api/pipelines/{view.id}/stream"):
        await asyncio.wait_for(server.stop(), timeout=15)
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/api/health")
