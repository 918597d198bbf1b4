"""Which Origin is the server's own: scheme, the host the client addressed, and the port the socket listens on."""

from __future__ import annotations

from typing import Any

import pytest

from writeit.entrypoints.api.loopback import allowed, same_origin


def scope(host: str | None, served: tuple[str, int], scheme: str = "http") -> dict[str, Any]:
    headers = [(b"host", host.encode())] if host is not None else []
    return {"type": "http", "scheme": scheme, "server": served, "headers": headers}


@pytest.mark.parametrize(
    ("origin", "host", "served", "scheme"),
    [
        ("http://127.0.0.1:8765", "127.0.0.1:8765", ("127.0.0.1", 8765), "http"),
        ("HTTP://LOCALHOST:8765", "localhost:8765", ("127.0.0.1", 8765), "http"),
        ("http://[::1]:9000", "[::1]:9000", ("::1", 9000), "ws"),
        ("http://127.0.0.1:8765", None, ("127.0.0.1", 8765), "http"),  # HTTP/1.0: no Host, the socket's address
        ("http://127.0.0.1", "127.0.0.1", ("127.0.0.1", 80), "http"),
    ],
)
def test_the_servers_own_origin_is_same_origin(
    origin: str, host: str | None, served: tuple[str, int], scheme: str
) -> None:
    assert same_origin(scope(host, served, scheme), origin)


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:3000",
        "http://localhost:8765",  # the client addressed 127.0.0.1: a page on localhost is another origin
        "https://127.0.0.1:8765",
        "http://127.0.0.1",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:x",
        "http://user@127.0.0.1:8765",
        "http://127.0.0.1:8765/path",
        "null",
        "",
        "127.0.0.1:8765",
    ],
)
def test_any_other_scheme_host_or_port_is_another_origin(origin: str) -> None:
    assert not same_origin(scope("127.0.0.1:8765", ("127.0.0.1", 8765)), origin)


def test_without_a_token_a_foreign_host_is_refused_even_with_no_origin() -> None:
    rebound = scope("evil.example:8765", ("127.0.0.1", 8765))
    assert not allowed(rebound, loopback_only=True)
    assert allowed(rebound, loopback_only=False)  # with a token, any name may reach it (the token guards it)
