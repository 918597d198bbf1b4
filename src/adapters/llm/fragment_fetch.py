"""A URL fragment fetched as `llm -f URL` fetches it, with every hop's address checked at the moment it is used.

Checking a URL's host before a library fetches it is not enough: the page can redirect to 127.0.0.1, or its name
can resolve to a public address for the check and to an internal one for the fetch (DNS rebinding). So the check
is in the connection itself: each new connection (the first request's and each redirect's) resolves its host once,
refuses it if any address is internal, and connects to an address it checked, never to the name again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from importlib.metadata import version
from typing import Any

import httpcore
import httpx

from writeit.adapters.llm.fragment_safety import FILE_LIMIT, Address, redacted, refused

MAX_REDIRECTS = 3  # as llm's own fetch
TIMEOUT = httpx.Timeout(30.0)


class RefusedHostError(Exception):
    """A hop's host is internal or cannot be resolved: nothing was sent to it."""

    def __init__(self, host: str, problem: str) -> None:
        super().__init__(f"host '{host}' {problem}")
        self.host, self.problem = host, problem


def fetch_text(url: str, *, internal: Callable[[Address], bool] | None) -> str:
    """The text at `url` (redirects followed, as llm does), refused past FILE_LIMIT bytes; with `internal`, every
    hop whose host has an address it calls internal is refused before anything is sent there."""
    hops: list[str] = []  # each request's URL, the first and each redirect's
    with _client(internal, hops) as client:
        try:
            with client.stream("GET", url) as response:
                response.raise_for_status()
                return _bounded(url, response.iter_bytes()).decode(response.encoding or "utf-8", errors="replace")
        except RefusedHostError as exc:
            where = "its" if hops[-1] == url else f"it redirects to '{redacted(hops[-1])}', whose"
            raise refused(url, f"{where} host '{exc.host}' {exc.problem}") from None
        except httpx.TooManyRedirects:
            raise refused(url, f"redirects more than {MAX_REDIRECTS} times") from None


def _client(internal: Callable[[Address], bool] | None, hops: list[str]) -> httpx.Client:
    return httpx.Client(
        transport=httpx.HTTPTransport() if internal is None else CheckedTransport(internal),
        event_hooks={"request": [lambda request: hops.append(str(request.url))]},
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": f"llm/{version('llm')} (https://llm.datasette.io/)"},
        timeout=TIMEOUT,
    )


def _bounded(url: str, chunks: Iterable[bytes]) -> bytes:
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > FILE_LIMIT:  # stop reading: a fragment is notes, not a download without end
            raise refused(url, f"is over {FILE_LIMIT} bytes, the most a fragment may be")
    return bytes(body)


class CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport (request and error mapping) over a pool whose connections are checked."""

    def __init__(self, internal: Callable[[Address], bool]) -> None:
        super().__init__(trust_env=False)  # a proxy would make the fetch, unchecked, from wherever it is
        # httpx takes no network backend, so the pool it would build is replaced by one with the checking backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=CheckedBackend(internal)
        )


class CheckedBackend(httpcore.SyncBackend):
    """Connects only to addresses it has just checked; TLS still verifies the certificate for the host's name."""

    def __init__(self, internal: Callable[[Address], bool]) -> None:
        self._internal = internal

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, self._internal)
        for address in addresses[:-1]:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError:
                continue
        return super().connect_tcp(addresses[-1], port, timeout, local_address, socket_options)


def checked_addresses(host: str, port: int, internal: Callable[[Address], bool]) -> list[str]:
    """Every address `host` resolves to, once; refused if any is internal (the name could be answered either way)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise RefusedHostError(host, f"cannot be resolved ({exc})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        ip = ipaddress.ip_address(address.partition("%")[0])
        if internal(ip):
            raise RefusedHostError(host, f"is a loopback, link-local or private address ({ip})")
    if not addresses:
        raise RefusedHostError(host, "cannot be resolved (no address)")
    return addresses
