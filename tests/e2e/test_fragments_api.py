"""Fragments on POST /api/pipelines: a URL is read by the server and recorded; a path on the server is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.api_server import ApiServer, running_server


class Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/brief.txt":
            self.send_error(404)
            return
        body = b"The brief, served over HTTP."
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-fragments")) as running:
        yield running


async def test_a_url_fragment_is_read_by_the_server_and_recorded_with_the_pipeline(
    server: ApiServer, page_url: str
) -> None:
    async with server.client() as client:
        body = {"template": "quick-article", "inputs": {"topic": "HTTP"}, "fragments": [f"{page_url}/brief.txt"]}
        created = await client.post("/api/pipelines", json=body)
        assert created.status_code == 201, created.text
        events = (await client.get(f"/api/pipelines/{created.json()['id']}/events")).json()
    assert events[0]["fragments"] == [{"source": f"{page_url}/brief.txt", "content": "The brief, served over HTTP."}]


@pytest.mark.parametrize("ref", ["/etc/hostname", "notes.md", "-"])
async def test_a_path_on_the_server_is_refused_and_nothing_is_stored(
    server: ApiServer, page_url: str, ref: str, tmp_path: Path
) -> None:
    async with server.client() as client:
        before = (await client.get("/api/pipelines")).json()
        body = {"template": "quick-article", "inputs": {"topic": "x"}, "fragments": [ref, f"{page_url}/missing"]}
        refused = await client.post("/api/pipelines", json=body)
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert [e["field"] for e in errors] == ["fragments", "fragments"]
        assert ref in errors[0]["message"]
        assert "404" in errors[1]["message"]
        assert f"{page_url}/missing" in errors[1]["message"]
        assert (await client.get("/api/pipelines")).json() == before
