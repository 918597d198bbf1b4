"""The TUI's API server listens from the start but loads on its first connection: no client may notice."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.tui_support import open_container
from writeit.entrypoints.container import Container
from writeit.entrypoints.launch import api_server


@pytest.fixture
async def container(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Container]:
    monkeypatch.setenv("WRITEIT_DEFAULT_MODEL", "echo")
    async with open_container(counted_ids=False) as opened:
        yield opened


async def test_clients_that_connect_at_once_before_the_api_has_loaded_are_all_answered(container: Container) -> None:
    server = api_server(container)
    port = await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            replies = await asyncio.gather(*(client.get("/api/health") for _ in range(5)))
            templates = await client.get("/api/templates")
    finally:
        await server.stop()
    assert [r.status_code for r in replies] == [200] * 5
    assert "quick-article" in templates.text


async def test_a_server_nobody_called_gives_its_port_back_when_stopped(container: Container) -> None:
    server = api_server(container)
    port = await server.start()
    await server.stop()
    await server.stop()  # idempotent
    with socket.create_server(("127.0.0.1", port)):
        pass  # the port is free again
