"""The FastAPI application over one container: routes, error mapping, guards, and the container's lifecycle."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import FastAPI

from writeit import __version__
from writeit.entrypoints.api import (
    errors,
    routes_judge,
    routes_merge,
    routes_pipelines,
    routes_preferences,
    routes_steps,
    routes_templates,
    stream,
)
from writeit.entrypoints.api.limits import BodyLimit, JsonOnly
from writeit.entrypoints.api.loopback import OriginGuard
from writeit.entrypoints.api.schemas import Health
from writeit.entrypoints.api.security import TokenGuard
from writeit.entrypoints.web import WebPage

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container

DESCRIPTION = """Drive and watch WriteIt pipelines. Every command carries the `expected_version` the client saw; a
stale one gets 409 and changes nothing. Command bodies are JSON (`Content-Type: application/json`, else 415); a
request from another origin than this server's own gets 403. Live events and token chunks stream over the WebSocket
`/api/pipelines/{id}/stream?after=N`, which OpenAPI cannot describe: its messages, refusals and close codes are
in the AsyncAPI 3 document `docs/asyncapi.yaml` of the WriteIt repository."""


async def warm(app: FastAPI, token: str | None = None) -> None:
    """Serve one GET /api/pipelines in-process, before the server accepts connections, so that no client waits
    for what a first request costs: the use cases imported and made, the summaries projection caught up and
    read (later listings reuse it until the log moves), FastAPI's routes set up (it does so on the first
    request), anyio's thread pool loaded. A failure here is the route's, and is left to the first client."""
    headers = [(b"host", b"127.0.0.1")] + ([(b"authorization", f"Bearer {token}".encode())] if token else [])
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/api/pipelines", "raw_path": b"/api/pipelines", "query_string": b"", "root_path": "",
        "headers": headers, "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
    }  # fmt: skip

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: object) -> None:
        return None

    with contextlib.suppress(Exception):
        await app(scope, receive, send)


def create_app(container: Container, *, token: str | None = None, own_container: bool = True) -> FastAPI:
    """The API over `container`. With `own_container` the app opens its resources at startup and closes them at
    shutdown (running candidates are cancelled, keeping their partial text); an embedding host that manages the
    container (and its running candidates) passes False."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not own_container:
            yield
            return
        from writeit.entrypoints.container import opened

        async with opened(container, cancel_running=True):
            yield

    app = FastAPI(title="WriteIt", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.container = container
    errors.install(app)
    app.include_router(routes_templates.router)
    app.include_router(routes_pipelines.router)
    app.include_router(routes_steps.router)
    app.include_router(routes_merge.router)
    app.include_router(stream.router)
    app.include_router(routes_preferences.router)
    app.include_router(routes_judge.router)

    @app.get("/api/health", response_model=Health, tags=["health"])
    async def health() -> Health:
        return Health(status="ok", version=__version__)

    # The last added runs first: origin, then token, then the body's type and size.
    app.add_middleware(BodyLimit)
    app.add_middleware(JsonOnly)
    if token:
        app.add_middleware(TokenGuard, token=token)
    app.add_middleware(OriginGuard, loopback_only=not token)
    app.add_middleware(WebPage)  # outermost: the page that asks for the token loads without one (it holds no data)
    return app
