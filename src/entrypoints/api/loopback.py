"""Without a token the API trusts the machine, not the web: only loopback hosts and origins may reach it.

A web page the writer visits can make their browser send requests to 127.0.0.1 (a cross-origin fetch, a
WebSocket, or a DNS-rebound name). Such requests carry a foreign Origin or Host header; refusing them keeps
pipelines out of reach of any page, while curl, scripts and the TUI (which send loopback or no Origin) work.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from writeit.entrypoints.api.security import send_json

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WS_FORBIDDEN = 4403


def _hostname(authority: str) -> str:
    return (urlsplit(f"//{authority}").hostname or "").lower()


def _origin_host(origin: str) -> str:
    return (urlsplit(origin).hostname or "").lower()


class LoopbackGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_FORBIDDEN, "reason": "only loopback origins"})
            return
        await send_json(send, 403, "without WRITEIT_API_TOKEN only loopback hosts and origins are served")

    @staticmethod
    def _allowed(scope: Scope) -> bool:
        headers = {name: value.decode("latin-1") for name, value in scope.get("headers", ())}
        host = headers.get(b"host")
        if host is not None and _hostname(host) not in LOOPBACK:
            return False
        origin = headers.get(b"origin")
        return origin is None or _origin_host(origin) in LOOPBACK
