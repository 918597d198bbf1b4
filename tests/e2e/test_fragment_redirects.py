"""A fragment URL the server fetches is checked at every hop: a redirect to this machine is refused, unsent.

Both pages are on this machine (a test has no other): the "public" one on 127.0.0.2, which the test's `internal`
rule alone calls public, the internal one on 127.0.0.1, which every rule calls internal.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from writeit.adapters.llm.fragment_safety import Address, is_internal
from writeit.adapters.llm.fragments import LlmFragments
from writeit.domain.errors import InputInvalidError

PUBLIC = "127.0.0.2"


def internal(ip: Address) -> bool:
    return ip != ipaddress.ip_address(PUBLIC) and is_internal(ip)


class Pages(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, str]] = {}  # path -> where it redirects; any other path answers its text
    seen: ClassVar[list[str]] = []  # each path asked for (each server's handler class has its own)

    def do_GET(self) -> None:
        self.seen.append(self.path)
        if self.path in self.routes:
            self.send_response(302)
            self.send_header("Location", self.routes[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"the page at {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(host: str, routes: dict[str, str]) -> tuple[ThreadingHTTPServer, list[str]]:
    seen: list[str] = []
    handler = type("Handler", (Pages,), {"routes": routes, "seen": seen})
    httpd = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, seen


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[str, str, list[str]]]:
    routes: dict[str, str] = {}
    inside, inside_seen = serve("127.0.0.1", {})
    outside, _ = serve(PUBLIC, routes)
    secret, public = f"127.0.0.1:{inside.server_address[1]}", f"{PUBLIC}:{outside.server_address[1]}"
    routes.update(
        {
            "/to-loopback": f"http://{secret}/secret",
            "/to-localhost": f"http://localhost:{inside.server_address[1]}/secret",
            "/to-public": f"http://{public}/brief",
        }
    )
    try:
        yield f"http://{public}", f"http://{secret}", inside_seen
    finally:
        for httpd in (inside, outside):
            httpd.shutdown()
            httpd.server_close()


def test_a_public_page_and_a_redirect_between_public_pages_are_read(sites: tuple[str, str, list[str]]) -> None:
    public, _, _ = sites
    found = LlmFragments(internal=internal).resolve([f"{public}/brief", f"{public}/to-public"], local_paths=False)
    assert [f["content"] for f in found] == ["the page at /brief", "the page at /brief"]


@pytest.mark.parametrize(("path", "host"), [("/to-loopback", "127.0.0.1"), ("/to-localhost", "localhost")])
def test_a_redirect_to_this_machine_is_refused_naming_it_and_nothing_is_asked_of_it(
    sites: tuple[str, str, list[str]], path: str, host: str
) -> None:
    public, secret, secret_seen = sites
    asked = len(secret_seen)
    with pytest.raises(InputInvalidError) as refused:
        LlmFragments(internal=internal).resolve([f"{public}{path}"], local_paths=False)
    [problem] = refused.value.problems
    assert problem.field == "fragments"
    assert problem.message.startswith(f"'{public}{path}': it redirects to 'http://{host}:{secret.rpartition(':')[2]}")
    assert f"whose host '{host}' is a loopback, link-local or private address (" in problem.message
    assert len(secret_seen) == asked, "the internal page was never requested"


def test_the_cli_may_still_follow_a_redirect_to_this_machine(sites: tuple[str, str, list[str]]) -> None:
    public, _, _ = sites
    found = LlmFragments(internal=internal).resolve([f"{public}/to-loopback"])  # local_paths: the writer's own machine
    assert found == [{"source": f"{public}/to-loopback", "content": "the page at /secret"}]
