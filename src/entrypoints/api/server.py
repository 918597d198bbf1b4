"""`writeit serve`: the API on uvicorn, on loopback by default; anywhere else only behind a bearer token."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import signal
import socket
import threading
from collections.abc import Generator
from contextlib import contextmanager
from urllib.parse import unquote_plus

import uvicorn
from starlette.types import ASGIApp

from writeit.application.errors import ApplicationError
from writeit.entrypoints.api.app import create_app, warm
from writeit.entrypoints.api.protocols import bounded
from writeit.entrypoints.api.security import BlankTokenError, checked_token, redact_query

TOKEN_ENV = "WRITEIT_API_TOKEN"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_SEGMENT = re.compile(r"[^\s/?&=;#\"']+")  # a path segment, query name or value: compared once decoded


class ServeRefusedError(ApplicationError):
    """The server will not start as asked (an unsafe binding, or an address it cannot listen on)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Anything but loopback is reachable by others: refuse it unless a token guards every request."""
    if not is_loopback(host) and not token:
        raise ServeRefusedError(
            f"refusing to listen on {host} without a token: set {TOKEN_ENV} (clients send it as "
            "`Authorization: Bearer <token>`), or listen on 127.0.0.1"
        )


def configured_token() -> str | None:
    """WRITEIT_API_TOKEN, normalised as every offered token is; unset is none, set but blank is refused."""
    raw = os.environ.get(TOKEN_ENV)
    if raw is None:
        return None
    try:
        return checked_token(raw)
    except BlankTokenError as exc:
        raise ServeRefusedError(f"{TOKEN_ENV} is not usable: {exc}") from None


class RedactTokens(logging.Filter):
    """A WebSocket client may send its token as ?token= (spelt any way): access and error logs never show it, nor
    the configured token anywhere else in a request target (as it is, or percent-encoded)."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = self._redact(record.msg)
        return True

    def _redact(self, text: str) -> str:
        text = redact_query(text)
        if self._token is None:
            return text
        token = self._token
        return _SEGMENT.sub(lambda m: "[redacted]" if token in unquote_plus(m[0]) else m[0], text)


class Server(uvicorn.Server):
    """uvicorn, without re-raising the stopping signal afterwards: a server stopped by Ctrl-C or SIGTERM exits 0."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this. asyncio sets it only on sockets made with proto IPPROTO_TCP, not this one,
    # and without it every keep-alive response waits ~40 ms for the client's delayed ACK (Nagle).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections made before uvicorn starts accepting wait in the backlog
    except OSError as exc:
        sock.close()
        raise ServeRefusedError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve until interrupted. Port 0 picks a free port; the address is printed on stdout once listening."""
    token = configured_token()
    check_binding(host, token)
    sock = listen(host, port)
    try:
        asyncio.run(_serve(sock, token))
    finally:
        sock.close()


async def _serve(sock: socket.socket, token: str | None) -> None:
    # The container opens here rather than in uvicorn's lifespan, so that a bad setting or an unusable store
    # is reported as one line and a failing exit, not as a traceback followed by exit 0.
    from writeit.entrypoints.container import opened

    # A stop must not wait on a slow or hung model: running candidates are cancelled, keeping their text.
    async with opened(cancel_running=True) as container:
        app = create_app(container, token=token, own_container=False)
        server = Server(_config(app, token))
        await warm(app, token)
        _announce(sock, token)
        await server.serve(sockets=[sock])
    if not server.started:
        raise ServeRefusedError("the API server stopped while starting; see the messages above")


def _config(app: ASGIApp, token: str | None) -> uvicorn.Config:
    config = uvicorn.Config(app, log_level="info", ws_ping_interval=20, ws_ping_timeout=60, **bounded())
    redact = RedactTokens(token)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "writeit.api"):
        logging.getLogger(name).addFilter(redact)
    return config


def _announce(sock: socket.socket, token: str | None) -> None:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    guard = " (bearer token required)" if token else ""
    print(f"writeit API listening on http://{shown}:{port}{guard}; docs at /docs", flush=True)
