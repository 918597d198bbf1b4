"""The TUI's API server: listening from the start, loaded on its first connection (the API costs ~13 MB).

FastAPI, uvicorn and the routes make up a fifth of an idle TUI's memory, for a server that most sessions never
call. So the port is bound at once (it is shown, and a taken one fails at once, as before) while the API is
imported, off the event loop, only when a client first connects; that client waits in the listen backlog
meanwhile (well under a second) and is then served like any other.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("writeit.api")


class Serving(Protocol):
    async def start(self) -> int: ...

    async def stop(self) -> None: ...


class OnDemandServer:
    """Listens on host:port (0 picks a free port) from `start()`; `build(sock)` makes the server that serves
    `sock`, called in a worker thread on the first connection."""

    def __init__(self, build: Callable[[socket.socket], Serving], host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port: int | None = None
        self._requested = port
        self._build = build
        self._sock: socket.socket | None = None
        self._loading: asyncio.Task[None] | None = None
        self._server: Serving | None = None

    async def start(self) -> int:
        """Bind and listen; return the port. Raises OSError naming the address when it cannot bind."""
        if self._sock is not None:
            raise OSError("the API server is already started")
        try:
            sock = socket.create_server((self.host, self._requested))
        except OSError as exc:
            raise OSError(f"cannot serve the API on {self.host}:{self._requested} ({exc.strerror or exc})") from None
        sock.setblocking(False)
        self._sock = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._first_connection, sock)
        self.port = int(sock.getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Stop serving (open connections get the server's grace period) and release the port. Idempotent."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        loading, self._loading = self._loading, None
        if loading is None:
            asyncio.get_running_loop().remove_reader(sock.fileno())
        else:
            await asyncio.gather(loading, return_exceptions=True)  # the import thread cannot be interrupted
        server, self._server = self._server, None
        try:
            if server is not None:
                await server.stop()
        finally:
            sock.close()

    def _first_connection(self, sock: socket.socket) -> None:
        asyncio.get_running_loop().remove_reader(sock.fileno())
        self._loading = asyncio.create_task(self._load(sock), name="embedded-api-load")

    async def _load(self, sock: socket.socket) -> None:
        try:
            server = await asyncio.to_thread(self._build, sock)
            await server.start()
        except Exception:
            log.exception("the API server could not start on %s:%s", self.host, self.port)
            sock.close()  # clients now get a refusal rather than waiting in the backlog
            return
        self._server = server
