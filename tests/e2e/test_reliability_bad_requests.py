"""Malformed requests, frames and names against a real server: each gets a 4xx or a close code, nothing changes,
and the server goes on serving. (test_api_rules.py has the basic 404/409/413/422 cases, test_api_schema.py the
schema-driven fuzzing; these are the hostile shapes neither generates.)"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server, state_of

NESTED = 100_000  # deeper than any JSON parser recurses
BODIES: dict[str, bytes] = {
    "not JSON": b"{not json",
    "truncated": b'{"expected_version": 1, "text": "unfinished',
    "empty": b"",
    "null": b"null",
    "a list": b"[1, 2, 3]",
    "a string": b'"expected_version"',
    "nested arrays": b"[" * NESTED + b"]" * NESTED,
    "nested objects": b'{"a":' * NESTED + b"1" + b"}" * NESTED,
    "nested in a field": b'{"expected_version": 1, "models": ' + b"[" * NESTED + b"]" * NESTED + b"}",
    "a 5000-digit version": b'{"expected_version": ' + b"9" * 5000 + b"}",
    "a negative version": b'{"expected_version": -1}',
    "NaN": b'{"expected_version": NaN}',
    "Infinity": b'{"expected_version": Infinity}',
    "a fraction": b'{"expected_version": 1.5}',
    "a boolean version": b'{"expected_version": true}',
    "an object version": b'{"expected_version": {"$gt": 0}}',
    "invalid UTF-8": b'{"expected_version": 1, "feedback": "\xff\xfe"}',
    "a lone surrogate": b'{"expected_version": 1, "feedback": "\\ud800"}',
    "models as a string": b'{"expected_version": 1, "models": "echo"}',
    "models of numbers": b'{"expected_version": 1, "models": [1, 2]}',
    "a huge model name": b'{"expected_version": 1, "models": ["' + b"m" * 500_000 + b'"]}',
    "a huge feedback": b'{"expected_version": 1, "feedback": "' + b"f" * 900_000 + b'"}',
    "an unknown field": b'{"expected_version": 1, "admin": true}',
}
COMMANDS = ["steps/plan/generate", "steps/plan/select", "steps/plan/edit", "steps/plan/merge", "fork"]
SECRET = "root:x:0:0"  # what /etc/passwd begins with
TRAVERSALS = [
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%5C..%5Cetc%5Cpasswd",
    "%2Fetc%2Fpasswd",
    "etc/passwd",
    "....//....//etc/passwd",
    "quick-article%00.yaml",
    "quick-article.yaml",
    "..",
    "~root",
    "%252e%252e%252fetc%252fpasswd",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-hostile")) as running:
        yield running


async def assert_still_serving(server: ApiServer, client: httpx.AsyncClient) -> None:
    """A later request and a new socket both work."""
    assert (await client.get("/api/health")).status_code == 200
    pid = (await create(client, "Still serving"))["id"]
    async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
        assert (await Watcher(ws).next())["seq"] == 1


async def test_malformed_bodies_on_every_command_are_4xx_and_change_nothing(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        events = (await client.get(f"/api/pipelines/{pid}/events")).json()
        targets = [f"/api/pipelines/{pid}/{command}" for command in COMMANDS]
        targets += ["/api/pipelines", "/api/templates/validate"]
        tried: list[tuple[str, str, int]] = []
        for url in targets:
            for name, body in BODIES.items():
                response = await client.post(url, content=body, headers={"content-type": "application/json"})
                tried.append((url, name, response.status_code))
                assert response.json().get("detail"), (url, name, response.status_code, response.text[:300])
        assert [t for t in tried if not 400 <= t[2] < 500] == [], "every one a client error"
        assert (await client.get(f"/api/pipelines/{pid}/events")).json() == events
        assert [p["id"] for p in (await client.get("/api/pipelines")).json()] == [pid], "nothing created"
        await assert_still_serving(server, client)
    assert "Traceback" not in server.logs()


def raw_exchange(server: ApiServer, payload: bytes) -> bytes:
    """Send `payload` on a fresh TCP connection; return what comes back before the server closes it."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
        conn.sendall(payload)
        conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


RAW = {
    "TLS hello": bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64,
    "binary noise": bytes(range(256)) * 8,
    "HTTP/9.9": b"GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n",
    "no request line": b"\r\n\r\n\r\n",
    "a 100 KB header": b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    "a bad content length": b"POST /api/pipelines HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
    "a short body": b"POST /api/pipelines HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 500\r\n\r\n{}",
    "a bad chunk": b"POST /api/pipelines HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
}


@pytest.mark.parametrize("name", list(RAW))
async def test_garbage_on_a_raw_connection_gets_a_400_or_a_close_and_the_server_goes_on(
    server: ApiServer, name: str
) -> None:
    answer = await asyncio.to_thread(raw_exchange, server, RAW[name])
    # Refused (400, or the connection closed), or read as the request it resembles (HTTP/9.9 as 1.1): never a 5xx.
    status = answer.split(b"\r\n", 1)[0]
    assert answer == b"" or (status.startswith(b"HTTP/1.1 ") and status[9:10] in b"234"), (name, status)
    async with server.client() as client:
        await assert_still_serving(server, client)


async def test_garbage_frames_on_the_socket_are_ignored_and_it_keeps_streaming(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream", max_size=None) as ws:
            watcher = Watcher(ws)
            await watcher.next()
            for frame in (
                "garbage {{{",
                b"\x00\xff" * 1000,
                '{"type": "select", "candidate_id": "x"}',
                "x" * (2 << 20),
            ):
                await ws.send(frame)
            await ws.ping()
            ids = await generate(client, pid, "plan", 1, ["echo"])
            await watcher.until_finished(ids)
            assert watcher.seqs == [1, 2, 3], "still streaming, every event once"
        assert (await state_of(client, pid))["version"] == 3, "frames are never commands"
        await assert_still_serving(server, client)


BAD_AFTER = ["-5", "abc", "1e3", "", "%20", "0x10", "%EF%BC%91", "9" * 5000]
BAD_PIPELINE = ["..", "%2e%2e", "%00", "a" * 300, "0123456789abcdef0123456789abcdef"]


@pytest.mark.parametrize(
    ("path", "code"),
    [(f"/api/pipelines/{{pid}}/stream?after={after}", 4400) for after in BAD_AFTER]
    + [(f"/api/pipelines/{pipeline}/stream", 4404) for pipeline in BAD_PIPELINE],
)
async def test_a_socket_with_a_bad_after_or_pipeline_is_closed_with_a_code_and_the_server_goes_on(
    server: ApiServer, path: str, code: int
) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        async with connect(server.ws_url + path.format(pid=pid)) as ws:
            message = await Watcher(ws).next()
            assert (message["type"], message["code"]) == ("error", code)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == code
        await assert_still_serving(server, client)


async def test_a_socket_to_a_path_that_is_no_stream_is_refused_at_the_handshake(server: ApiServer) -> None:
    for path in ("/api/pipelines/../../stream", "/api/pipelines/x/stream/extra", "/api/health", "/nope"):
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.ws_url + path)
        assert 400 <= refused.value.response.status_code < 500, path
    async with server.client() as client:
        await assert_still_serving(server, client)


@pytest.mark.parametrize("name", TRAVERSALS)
async def test_a_template_name_shaped_like_a_path_is_refused_and_reads_no_file(server: ApiServer, name: str) -> None:
    async with server.client() as client:
        before = (await client.get("/api/pipelines")).json()
        shown = await client.get(f"/api/templates/{name}")
        assert shown.status_code in (404, 422), shown.text
        raw = name.replace("%2F", "/").replace("%2f", "/").replace("%00", "\0")
        started = await client.post("/api/pipelines", json={"template": raw, "inputs": {"topic": "x"}})
        assert started.status_code in (404, 422), started.text
        for response in (shown, started):
            assert SECRET not in response.text
            assert str(server.logs_dir.parent) not in response.text, "no server path in an answer"
        assert (await client.get("/api/pipelines")).json() == before


async def test_cross_origin_requests_get_no_cors_grant(server: ApiServer) -> None:
    evil = {"Origin": "http://evil.example"}
    async with server.client() as client:
        preflight = await client.options("/api/pipelines", headers={**evil, "Access-Control-Request-Method": "POST"})
        plain = await client.get("/api/pipelines", headers=evil)
        # A browser page could send a "simple" cross-origin POST without a preflight: it must not be a command.
        simple = await client.post(
            "/api/pipelines",
            content=b'{"template": "quick-article", "inputs": {"topic": "csrf"}}',
            headers={**evil, "content-type": "text/plain"},
        )
        for response in (preflight, plain, simple):
            assert not any(h.lower().startswith("access-control-allow") for h in response.headers), response.headers
        assert simple.status_code == 403  # no token: a foreign Origin is refused outright (api/loopback.py)
        assert all(p["title"] != "csrf" for p in (await client.get("/api/pipelines")).json())
