"""Only the server's own origin may reach the API from a browser; without a token, only loopback hosts at all.

A web page the writer visits can make their browser send requests to 127.0.0.1 (a cross-origin fetch, a
WebSocket, or a DNS-rebound name). Such requests carry a foreign Origin or Host header. An origin is the scheme,
host and port together: a page on http://localhost:3000 is as foreign as one on evil.example, so anything but the
address this server is actually serving on is refused; curl, scripts and the TUI send no Origin and are served.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from writeit.entrypoints.api.security import send_json

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WS_FORBIDDEN = 4403
DEFAULT_PORTS = {"http": 80, "https": 443}


def _hostname(authority: str) -> str:
    return (urlsplit(f"//{authority}").hostname or "").lower()


def _headers(scope: Scope) -> dict[bytes, str]:
    return {name: value.decode("latin-1") for name, value in scope.get("headers", ())}


def same_origin(scope: Scope, origin: str) -> bool:
    """`origin` is this server's own: the scheme it serves, the host the client addressed, the port it listens on."""
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    parts = urlsplit(origin.strip())
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port out of range, or not a number
        return False
    served = scope.get("server") or (None, None)
    host = _headers(scope).get(b"host")
    addressed = _hostname(host) if host is not None else str(served[0] or "").lower()
    return (
        parts.scheme.lower() == scheme
        and (parts.hostname or "").lower() == addressed != ""
        and port is not None
        and port == served[1]
        and not (parts.path or parts.query or parts.fragment or parts.username)
    )


def allowed(scope: Scope, *, loopback_only: bool) -> bool:
    headers = _headers(scope)
    host = headers.get(b"host")
    if loopback_only and host is not None and _hostname(host) not in LOOPBACK:
        return False
    origin = headers.get(b"origin")
    return origin is None or same_origin(scope, origin)


class OriginGuard:
    """Refuses (403) a request or WebSocket from another origin; with `loopback_only`, also a non-loopback Host."""

    def __init__(self, app: ASGIApp, *, loopback_only: bool) -> None:
        self.app = app
        self._loopback_only = loopback_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or allowed(scope, loopback_only=self._loopback_only):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":  # closed before accepting: the handshake is answered 403
            await send({"type": "websocket.close", "code": WS_FORBIDDEN, "reason": "only this server's own origin"})
            return
        where = "loopback hosts and " if self._loopback_only else ""
        await send_json(send, 403, f"only {where}this server's own origin are served (no cross-origin requests)")
