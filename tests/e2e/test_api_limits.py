"""Slow and greedy clients against a real `writeit serve`: cut off in time, and everyone else still served."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server
from writeit.entrypoints.api.protocols import HEAD_SECONDS, MAX_CONNECTIONS, REQUEST_SECONDS

SLACK = 10.0  # seconds: the machine is shared and loaded


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-limits")) as running:
        yield running


def address(server: ApiServer) -> tuple[str, int]:
    parts = urlsplit(server.url)
    assert parts.hostname
    assert parts.port
    return parts.hostname, parts.port


async def held_for(server: ApiServer, opening: bytes, trickle: bytes, limit: float) -> tuple[float, bytes]:
    """Send `opening`, then one byte of `trickle` a second (forever), until the server closes the connection:
    (seconds it was held, what the server answered)."""
    reader, writer = await asyncio.open_connection(*address(server))
    began = time.monotonic()

    async def dribble() -> None:
        with contextlib.suppress(OSError):
            writer.write(opening)
            for byte in itertools.cycle(trickle):
                await asyncio.sleep(1)
                writer.write(bytes([byte]))
                await writer.drain()

    sending = asyncio.create_task(dribble())
    try:
        async with asyncio.timeout(limit):
            answer = await reader.read()
    except ConnectionResetError:
        answer = b""
    finally:
        sending.cancel()
        writer.close()
    return time.monotonic() - began, answer


async def test_slow_loris_clients_are_dropped_in_time_while_others_are_served(server: ApiServer) -> None:
    head = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    body = b"POST /api/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    body += b'Content-Length: 200\r\n\r\n{"template": "quick-article", "inputs": {"topic": "'
    slow = [
        *(held_for(server, b"", b"", HEAD_SECONDS + SLACK) for _ in range(5)),  # connects, says nothing
        *(held_for(server, head, b"X-Slow: 1\r\n", HEAD_SECONDS + SLACK) for _ in range(20)),  # a header, slowly
        *(held_for(server, body, b"slow", REQUEST_SECONDS + SLACK) for _ in range(5)),  # a body, slowly
    ]
    held = asyncio.gather(*slow)
    latencies = []
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
            for _ in range(10):
                began = time.monotonic()
                assert (await client.get("/api/health")).status_code == 200
                latencies.append(time.monotonic() - began)
                await asyncio.sleep(0.5)
            outcomes = await held
            # A socket open all along is no slow request: it still streams, long after every deadline.
            watcher = Watcher(ws)
            await watcher.until_finished(await generate(client, pid, "plan", 1, ["echo"]))
            assert watcher.seqs[0] == 1
        assert [p["id"] for p in (await client.get("/api/pipelines")).json()] == [pid], "a body cut off runs nothing"
    assert max(latencies) < 2.0, latencies
    for seconds, answer in outcomes[:25]:
        assert HEAD_SECONDS - 1 <= seconds <= HEAD_SECONDS + SLACK, seconds
        assert answer.startswith(b"HTTP/1.1 408 "), answer
    for seconds, _ in outcomes[25:]:
        assert REQUEST_SECONDS - 1 <= seconds <= REQUEST_SECONDS + SLACK, seconds
    assert "Traceback" not in server.logs()


async def test_connections_beyond_the_limit_get_503_until_idle_ones_are_dropped(server: ApiServer) -> None:
    idle = [await asyncio.open_connection(*address(server)) for _ in range(MAX_CONNECTIONS)]
    try:
        await asyncio.sleep(1)  # let the server accept them all
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            assert (await client.get("/api/health")).status_code == 503
            await asyncio.sleep(HEAD_SECONDS + 1)
            statuses = []
            for _ in range(int(SLACK * 2)):  # the idle ones were dropped at HEAD_SECONDS, closed as the loop gets to it
                statuses.append((await client.get("/api/health")).status_code)
                if statuses[-1] == 200:
                    break
                await asyncio.sleep(0.5)
            assert statuses[-1] == 200, statuses
    finally:
        for _, writer in idle:
            writer.close()
