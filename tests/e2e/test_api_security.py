"""Serving safely: loopback by default, a bearer token for anything else, no token in logs, a clean stop."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.e2e.api_server import TIMEOUT, Watcher, create, generate, running_server, serve_command
from writeit.entrypoints.api.server import ServeRefusedError, check_binding

TOKEN = "wi-test-token-5f2c9a7e"


def test_serving_beyond_loopback_without_a_token_is_refused(isolated_home: Path) -> None:
    result = subprocess.run(
        serve_command("--host", "0.0.0.0", "--port", "0"),
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 1
    assert "refusing to listen on 0.0.0.0 without a token: set WRITEIT_API_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert "listening" not in result.stdout


def test_only_loopback_addresses_go_without_a_token() -> None:
    for host in ("127.0.0.1", "::1", "localhost"):
        check_binding(host, None)
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.org"):
        with pytest.raises(ServeRefusedError):
            check_binding(host, None)
        check_binding(host, TOKEN)


async def test_with_a_token_every_request_and_the_socket_need_it_and_no_log_shows_it(isolated_home: Path) -> None:
    with running_server(isolated_home, token=TOKEN) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=TIMEOUT) as anonymous:
            for path in ("/api/health", "/api/pipelines", "/openapi.json", "/docs"):
                for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                    refused = await anonymous.get(path, headers=headers)
                    assert refused.status_code == 401, (path, headers)
                    assert TOKEN not in refused.text
        async with server.client() as client:
            pid = (await create(client))["id"]
            stream = f"{server.ws_url}/api/pipelines/{pid}/stream"
            with pytest.raises(InvalidStatus):
                await connect(stream)
            with pytest.raises(InvalidStatus):
                await connect(f"{stream}?token=wrong")
            async with (
                connect(f"{stream}?token={TOKEN}") as by_query,
                connect(stream, additional_headers=server.headers) as by_header,
            ):
                ids = await generate(client, pid, "plan", 1, ["echo"])
                for ws in (by_query, by_header):
                    await Watcher(ws).until_finished(ids)
        assert server.stop() == 0
    logs = server.logs()
    assert "WebSocket" in logs, "the socket connections were logged"
    assert TOKEN not in logs


def test_the_openapi_document_describes_the_contract(isolated_home: Path) -> None:
    with running_server(isolated_home) as server:
        document = httpx.get(server.url + "/openapi.json", timeout=TIMEOUT).json()
        docs = httpx.get(server.url + "/docs", timeout=TIMEOUT)
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    paths = document["paths"]
    for path in (
        "/api/health",
        "/api/templates",
        "/api/templates/{name}",
        "/api/templates/validate",
        "/api/pipelines",
        "/api/pipelines/{pipeline_id}",
        "/api/pipelines/{pipeline_id}/events",
        "/api/pipelines/{pipeline_id}/steps/{step}/generate",
        "/api/pipelines/{pipeline_id}/steps/{step}/select",
        "/api/pipelines/{pipeline_id}/steps/{step}/edit",
        "/api/pipelines/{pipeline_id}/steps/{step}/merge",
        "/api/pipelines/{pipeline_id}/fork",
        "/api/pipelines/{pipeline_id}/branches/{branch}/switch",
        "/api/pipelines/{pipeline_id}/candidates/{candidate_id}/cancel",
        "/api/pipelines/{pipeline_id}/export",
    ):
        assert path in paths, path
    assert "expected_version" in document["components"]["schemas"]["Select"]["required"]


@pytest.mark.parametrize("blank", ["", "   ", "\t", " \n ", "two words", "tab\there"])
@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_a_blank_token_or_one_with_spaces_inside_is_refused_at_start(
    isolated_home: Path, blank: str, host: str
) -> None:
    result = subprocess.run(
        serve_command("--host", host, "--port", "0"),
        env={**os.environ, "WRITEIT_API_TOKEN": blank},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: WRITEIT_API_TOKEN is not usable: the token" in result.stderr
    assert "Traceback" not in result.stderr
    assert "listening" not in result.stdout


async def test_a_token_is_normalised_the_same_way_on_the_header_and_the_socket(isolated_home: Path) -> None:
    with running_server(isolated_home, token=f"  {TOKEN}\t") as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=TIMEOUT) as anonymous:
            for offered in (TOKEN, f"  {TOKEN}"):
                assert (await anonymous.get("/api/health", headers={"Authorization": f"Bearer {offered}"})).is_success
            for offered in ("+++", "%20", f"{TOKEN}x"):  # (a client cannot send trailing spaces)
                headers = {"Authorization": f"Bearer {offered}"}
                assert (await anonymous.get("/api/health", headers=headers)).status_code == 401, offered
        async with server.client() as client:
            pid = (await create(client))["id"]
        stream = f"{server.ws_url}/api/pipelines/{pid}/stream"
        for query in ("+++", "%20%20", "", "%09", f"{TOKEN}x"):
            with pytest.raises(InvalidStatus) as refused:
                await connect(f"{stream}?token={query}")
            assert refused.value.response.status_code == 403, query
        for query in (TOKEN, f"+{TOKEN}+", f"%20{TOKEN}"):
            async with connect(f"{stream}?token={query}") as ws:
                assert (await Watcher(ws).next())["seq"] == 1


async def test_a_token_in_the_query_spelt_any_way_is_accepted_and_never_logged(isolated_home: Path) -> None:
    spellings = ["%74oken", "ToKeN", "tok%65n", "%54OKEN"]
    with running_server(isolated_home, token=TOKEN) as server:
        async with server.client() as client:
            pid = (await create(client))["id"]
            for name in spellings:
                assert (await client.get(f"/api/health?{name}={TOKEN}")).status_code == 200
            assert (await client.get(f"/api/{TOKEN}/x?a={TOKEN[:4]}%{ord(TOKEN[4]):02X}{TOKEN[5:]}")).status_code == 404
        stream = f"{server.ws_url}/api/pipelines/{pid}/stream"
        for name in spellings:
            async with connect(f"{stream}?after=0&{name}={TOKEN}") as ws:
                assert (await Watcher(ws).next())["seq"] == 1
        assert server.stop() == 0
    logged = server.logs() + (isolated_home / "logs" / "writeit.log").read_text()
    assert logged.count("=[redacted]") >= 2 * len(spellings), "the requests were logged, the token blanked"
    assert TOKEN not in logged
    assert TOKEN not in unquote(logged), "not even percent-encoded"


async def test_with_a_token_a_page_of_another_origin_is_still_refused(isolated_home: Path) -> None:
    """A token does not make a browser page elsewhere trusted: its requests and sockets get 403 even with it."""
    with running_server(isolated_home, token=TOKEN) as server:
        async with server.client() as client:
            pid = (await create(client))["id"]
            for origin in ("http://localhost:3000", "http://evil.example", "null"):
                refused = await client.get("/api/pipelines", headers={"Origin": origin})
                assert refused.status_code == 403, origin
                with pytest.raises(InvalidStatus) as closed:
                    await connect(f"{server.ws_url}/api/pipelines/{pid}/stream?token={TOKEN}", origin=Origin(origin))
                assert closed.value.response.status_code == 403
            assert (await client.get("/api/pipelines", headers={"Origin": server.url})).status_code == 200
