"""`writeit` with no command: the TUI, with the API server in the same process and event loop."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
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

    Rendering allocates many short-lived objects, and Textual leaves much of it as cyclic garbage (a Strip
    caches itself); with the default thresholds full collections ran twice a second and walked every
    long-lived object (llm, pydantic, Textual): 30-170 ms pauses, measured by benchmarks/tui_frames.py.
    What exists at startup is frozen (never walked again; `freeze_new_imports` does the same after modules
    load later). Young collections run every 10,000 allocations, and the middle generation every 10 of them: at
    50 it grew to 180k objects and took 350-450 ms.
    """
    gc.freeze()
    gc.set_threshold(10_000, 10, 100)


async def freeze_new_imports(period: float = 2.0) -> None:
    """Soon after modules are imported lazily (llm and its providers on the first round, the API on its first
    client), collect once and freeze everything alive, so that no later full collection walks those modules'
    objects again: one such collection took 0.8 s. It runs a few times a session, each a single full
    collection (tens of ms). What was alive at that moment and dies later is never collected: the benchmark
    (`tui_frames`) measures what that pins."""
    known = len(sys.modules)
    while True:
        await asyncio.sleep(period)
        if len(sys.modules) != known:
            known = len(sys.modules)
            gc.collect()  # garbage is freed first, never frozen
            gc.freeze()


async def run_tui(*, serve: bool = True, port: int = 0) -> int:
    """Open the store, run the TUI until the writer quits; return its exit code."""
    from writeit.entrypoints.tui.app import WriteItApp

    async with open_container() as container:
        server = api_server(container, port) if serve else None
        app = WriteItApp(
            container.pipelines(), container.templates(), server, host=HOST, preferences=container.preferences()
        )
        tune_gc()
        freezer = asyncio.create_task(freeze_new_imports())
        try:
            await app.run_async()
        finally:
            freezer.cancel()
            if server is not None:
                await server.stop()
    return app.return_code or 0


@handled
def launch(*, serve: bool = True, port: int = 0) -> None:
    code = asyncio.run(run_tui(serve=serve, port=port))
    if code:
        raise typer.Exit(code)
