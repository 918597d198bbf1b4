"""Fragments on POST /api/pipelines: a URL is read by the server and recorded; a path on the server is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.api_server import ApiServer, running_server
from writeit.adapters.llm.fragment_safety import FILE_LIMIT
from writeit.adapters.llm.fragments import LlmFragments
from writeit.domain.errors import InputInvalidError

BODIES = {
    "/brief.txt": b"The brief, served over HTTP.",
    "/big.txt": b"x" * (FILE_LIMIT + 1),
    "/full.txt": b"y" * FILE_LIMIT,
}
PRIVATE = {"WRITEIT_FRAGMENTS_PRIVATE_URLS": "1"}  # the test's pages are on 127.0.0.1


class Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = BODIES.get(urlsplit(self.path).path)
        if body is None:
            self.send_error(404)
            return
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
    with running_server(tmp_path_factory.mktemp("api-fragments"), env=PRIVATE) as running:
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


async def test_a_url_is_recorded_without_its_credentials_and_its_content_unchanged(
    server: ApiServer, page_url: str
) -> None:
    port = urlsplit(page_url).port
    url = f"http://user:pat-s3cr3t@127.0.0.1:{port}/brief.txt?Token=t0k3n&X-Amz-Signature=s1g&api_key=k3y&page=2"
    async with server.client() as client:
        body = {"template": "quick-article", "inputs": {"topic": "HTTP"}, "fragments": [url]}
        created = await client.post("/api/pipelines", json=body)
        assert created.status_code == 201, created.text
        events = await client.get(f"/api/pipelines/{created.json()['id']}/events")
    source = f"{page_url}/brief.txt?Token=REDACTED&X-Amz-Signature=REDACTED&api_key=REDACTED&page=2"
    assert events.json()[0]["fragments"] == [{"source": source, "content": "The brief, served over HTTP."}]
    assert not any(secret in events.text for secret in ("pat-s3cr3t", "t0k3n", "s1g", "k3y"))


async def test_a_url_fragment_over_the_limit_is_refused_naming_it_and_nothing_is_stored(
    server: ApiServer, page_url: str
) -> None:
    async with server.client() as client:
        before = (await client.get("/api/pipelines")).json()
        body = {"template": "quick-article", "inputs": {"topic": "x"}, "fragments": [f"{page_url}/big.txt"]}
        refused = await client.post("/api/pipelines", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["message"] == (
            f"'{page_url}/big.txt': is over {FILE_LIMIT} bytes, the most a fragment may be"
        )
        assert (await client.get("/api/pipelines")).json() == before


def test_fragments_over_the_total_limit_together_are_refused_naming_the_one_past_it(page_url: str) -> None:
    refs = [f"{page_url}/full.txt?n={n}" for n in range(5)]
    with pytest.raises(InputInvalidError) as refused:
        LlmFragments().resolve(refs)
    assert [p.message for p in refused.value.problems] == [
        f"'{refs[4]}': takes the fragments over {4 * FILE_LIMIT} bytes, the most they may be together"
    ]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "169.254.169.254", "10.0.0.8", "192.168.1.1"])
def test_a_url_on_this_machine_or_a_private_network_is_refused_for_the_api(host: str) -> None:
    with pytest.raises(InputInvalidError) as refused:
        LlmFragments().resolve([f"http://{host}:9/notes.txt"], local_paths=False)
    assert "is a loopback, link-local or private address" in refused.value.problems[0].message


async def test_the_api_refuses_a_loopback_url_with_a_422_unless_private_urls_are_allowed(
    tmp_path: Path, page_url: str
) -> None:
    with running_server(tmp_path) as strict:
        async with strict.client() as client:
            body = {"template": "quick-article", "inputs": {"topic": "x"}, "fragments": [f"{page_url}/brief.txt"]}
            refused = await client.post("/api/pipelines", json=body)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == "fragments"
            assert "private address (127.0.0.1)" in refused.json()["errors"][0]["message"]
            assert (await client.get("/api/pipelines")).json() == []
