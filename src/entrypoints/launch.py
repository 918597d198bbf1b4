"""`writeit` with no command: the TUI, with the API server in the same process and event loop."""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import TYPE_CHECKING

import typer

from writeit.entrypoints.cli.common import handled, open_container

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container
    from writeit.entrypoints.embedded import EmbeddedServer
    from writeit.entrypoints.on_demand import OnDemandServer

HOST = "127.0.0.1"  # the embedded API never leaves this machine (binding elsewhere is `writeit serve`'s job)


def api_server(container: Container, port: int = 0) -> OnDemandServer:
    """The API app over the same container (same services, same live hub) as the TUI, not yet started.

    Once started it listens, but loads (fastapi, uvicorn, the routes) only when a client first connects.
    """
    from writeit.entrypoints.on_demand import OnDemandServer

    def build(sock: socket.socket) -> EmbeddedServer:
        from writeit.entrypoints.api.app import create_app
        from writeit.entrypoints.embedded import EmbeddedServer

        return EmbeddedServer(create_app(container, own_container=False), host=HOST, sock=sock)

    return OnDemandServer(build, host=HOST, port=port)


def tune_gc() -> None:
    """Keep garbage collection from stalling the screen while candidates stream.

    Rendering allocates many short-lived objects, which made full collections run twice a second and walk
    every long-lived object (llm, pydantic, Textual): 30-170 ms pauses, measured by benchmarks/tui_frames.py.
    Freezing what exists at startup and collecting less often brings them under 15 ms.
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


async def run_tui(*, serve: bool = True, port: int = 0) -> int:
    """Open the store, run the TUI until the writer quits; return its exit code."""
    from writeit.entrypoints.tui.app import WriteItApp

    async with open_container() as container:
        server = api_server(container, port) if serve else None
        app = WriteItApp(container.pipelines(), container.templates(), server, host=HOST)
        tune_gc()
        try:
            await app.run_async()
        finally:
            if server is not None:
                await server.stop()
    return app.return_code or 0


@handled
def launch(*, serve: bool = True, port: int = 0) -> None:
    code = asyncio.run(run_tui(serve=serve, port=port))
    if code:
        raise typer.Exit(code)
