"""The API server embedded in another program's event loop (the TUI's): uvicorn, minus its signal handling."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from writeit.entrypoints.api.protocols import bounded


class ServerStartError(OSError):
    """The embedded server could not start (typically: the port is taken)."""


class _HostedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The host program owns the terminal and its signals; uvicorn's handlers would steal Ctrl+C from it.
        yield


class EmbeddedServer:
    """Serves `asgi_app` on host:port (0 picks a free port), or on `sock` already listening, as a task of the loop."""

    def __init__(
        self,
        asgi_app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        grace: float = 2.0,
        sock: socket.socket | None = None,
    ) -> None:
        self._config = uvicorn.Config(
            asgi_app,
            host=host,
            port=port,
            log_config=None,  # keep uvicorn off the terminal: logging is configured by the host
            log_level="warning",
            access_log=False,
            lifespan="auto",
            timeout_graceful_shutdown=int(grace) or 1,
            **bounded(),
        )
        self._server = _HostedServer(self._config)
        self._task: asyncio.Task[None] | None = None
        self._grace = grace
        self._sockets = [sock] if sock is not None else None
        self.host = host
        self.port: int | None = None

    async def start(self) -> int:
        """Start serving; return the bound port. Raises ServerStartError when it cannot bind or start."""
        if self._task is not None:
            raise ServerStartError("the server is already started")
        self._task = asyncio.create_task(self._serve(), name="embedded-api")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raises why it stopped
                raise ServerStartError(f"the API server on {self.host}:{self._config.port} stopped while starting")
            await asyncio.sleep(0.01)
        self.port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Ask the server to finish (open connections get the grace period), then wait for it. Idempotent."""
        task, self._task = self._task, None
        if task is None:
            return
        self._server.should_exit = True
        done, _ = await asyncio.wait({task}, timeout=self._grace + 1)
        if not done:
            self._server.force_exit = True
            await asyncio.wait({task}, timeout=self._grace)
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _serve(self) -> None:
        try:
            await self._server.serve(sockets=self._sockets)
        except SystemExit:  # uvicorn exits the process when it cannot bind; here that must stay an error
            raise ServerStartError(f"cannot serve the API on {self.host}:{self._config.port} (port taken?)") from None
