"""The bearer token: how it is configured, offered (header or ?token=), compared, and kept out of the logs."""

from __future__ import annotations

import hmac
import json
import re
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

WS_UNAUTHORIZED = 4401
TOKEN_PARAM = "token"
# A query parameter (name=value) in a request target, as logged: the name is compared once decoded.
_PARAM = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#\s]*)=(?P<value>[^&;#\s]*)")


class BlankTokenError(ValueError):
    """The configured token is empty, or holds spaces or characters a header cannot carry."""


def normalise(value: str) -> str:
    """A token as configured or offered, compared after this: surrounding whitespace is never part of it."""
    return value.strip()


def checked_token(raw: str) -> str:
    """The configured token, normalised; a blank one (or one no client could send) is refused, not ignored."""
    token = normalise(raw)
    if not token:
        raise BlankTokenError("the token is empty or blank: set it to a secret of visible characters, or unset it")
    if not all("!" <= ch <= "~" for ch in token):
        raise BlankTokenError("the token holds spaces, control or non-ASCII characters: a header cannot carry them")
    return token


def is_token_param(raw_name: str) -> bool:
    """`token`, however it is spelt: percent- or plus-encoded, in any case."""
    return normalise(unquote_plus(raw_name)).lower() == TOKEN_PARAM


def offered_in_query(query: str) -> str:
    """The first ?token= value of a query string, decoded and normalised ('' when there is none)."""
    for part in re.split("[&;]", query):
        name, _, value = part.partition("=")
        if is_token_param(name):
            return normalise(unquote_plus(value))
    return ""


def redact_query(text: str) -> str:
    """`text` (a logged path or line) with the value of every token parameter replaced."""

    def blank(found: re.Match[str]) -> str:
        if not is_token_param(found["name"]):
            return found[0]
        return f"{found['lead']}{found['name']}=[redacted]"

    return _PARAM.sub(blank, text)


async def send_json(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail, "errors": []}).encode()
    extra = headers or []
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra],
        }
    )
    await send({"type": "http.response.body", "body": body})


class TokenGuard:
    """Every HTTP request and WebSocket must carry `Authorization: Bearer <token>` (a WebSocket may use ?token=)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = checked_token(token).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": WS_UNAUTHORIZED, "reason": "missing or invalid token"})
            return
        await send_json(send, 401, "missing or invalid bearer token", [(b"www-authenticate", b"Bearer")])

    def _allowed(self, scope: Scope) -> bool:
        offered = ""
        for name, value in scope.get("headers", ()):
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                offered = normalise(value[7:].decode("latin-1"))
        if not offered and scope["type"] == "websocket":
            offered = offered_in_query(scope.get("query_string", b"").decode("latin-1"))
        return bool(offered) and hmac.compare_digest(offered.encode("utf-8", "replace"), self._token)
