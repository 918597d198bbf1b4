"""ASGI guards on request bodies: JSON only (415 otherwise), and at most a megabyte (413), read before any route."""

from __future__ import annotations

import enum
from email.message import Message as MimeHeader

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from writeit.entrypoints.api.security import send_json

MAX_BODY = 1 << 20  # requests are commands and templates: a megabyte is plenty
JSON = "application/json"
BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_json(content_type: str) -> bool:
    header = MimeHeader()
    header["content-type"] = content_type
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class Unread(enum.Enum):
    TOO_LARGE = "too large"
    GONE = "gone"


class JsonOnly:
    """A command's body is JSON, said so by its Content-Type: anything else is refused with 415.

    A browser sends a cross-origin POST without asking first (no preflight) only as text/plain, a form or
    multipart: refusing every non-JSON type keeps such a "simple request" from ever reaching a command.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in BODILESS and not self._acceptable(scope):
            await send_json(send, 415, f"the request body must be JSON, sent as Content-Type: {JSON}")
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _acceptable(scope: Scope) -> bool:
        headers = dict(scope.get("headers", ()))
        declared = headers.get(b"content-type")
        if declared is not None:
            return is_json(declared.decode("latin-1"))
        # No type at all is fine only without a body (a cancel takes none).
        return headers.get(b"content-length", b"0").strip() in (b"", b"0") and b"transfer-encoding" not in headers


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413 (JSON, like every error), before any route reads them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self._limit:
            await send_json(send, 413, f"request body over {self._limit} bytes")
            return
        body = await self._read(receive)
        if body is Unread.TOO_LARGE:
            await send_json(send, 413, f"request body over {self._limit} bytes")
        elif isinstance(body, bytes):
            await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | Unread:
        """The whole body (small by construction), so a chunked one cannot slip past. A client that went away (or
        was cut off as too slow) before sending all of it gets nothing run: a truncated body is no command."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return Unread.GONE
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self._limit:
                return Unread.TOO_LARGE
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
