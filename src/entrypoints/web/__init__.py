"""The web page: the writer's journey in a browser, static files served at `/` by the API's own process."""

from __future__ import annotations

from importlib import resources

from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/web/"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The page is served without a token (it is the page that asks for one) and holds no data: every pipeline comes
# through the guarded API. It runs only its own scripts and can never be framed by another site (clickjacking).
SECURITY = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-cache"),
]


def load_files() -> dict[str, tuple[bytes, str]]:
    """Every shipped static file by URL path, read once: a request can only ever name one of these."""
    static = resources.files(__name__).joinpath("static")
    files: dict[str, tuple[bytes, str]] = {}
    for entry in static.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in TYPES:
            files[PREFIX + entry.name] = (entry.read_bytes(), TYPES[suffix])
    files["/"] = files[PREFIX + "index.html"]
    return files


class WebPage:
    """Answers GET and HEAD for `/` and `/web/<file>` from the shipped files; passes everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._files = load_files()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._files.get(scope.get("path", "")) if scope["type"] == "http" else None
        if found is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body, media_type = found
        headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode()), *SECURITY]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})
