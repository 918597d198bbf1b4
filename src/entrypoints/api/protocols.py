"""uvicorn's protocols, bounded: a request must arrive in time, and a bad WebSocket frame is one line, not a trace.

uvicorn has no timeout on reading a request: its keep-alive timer is armed only after a response and cancelled by
any byte, so a client trickling a header a byte at a time (slow-loris), or connecting and sending nothing, holds a
connection forever. ASGI middleware cannot help, as it runs only once the head is parsed; hence this protocol.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

HEAD_SECONDS = 10.0  # from the connection (or the next request's first byte) to the end of the request's head
REQUEST_SECONDS = 20.0  # from the same start to the end of its body (at most a megabyte)
MAX_CONNECTIONS = 500  # open connections and sockets; beyond, requests get 503 (uvicorn's limit_concurrency)
KEEP_ALIVE_SECONDS = 5  # an idle keep-alive connection is closed after this
INVALID_UTF8 = 1007


def _timeout_response() -> bytes:
    body = json.dumps({"detail": "the request did not arrive in time; the connection is closed", "errors": []})
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return (head + body).encode()


class DeadlineH11Protocol(H11Protocol):
    """h11, where each request must arrive (head, then body) within a deadline, or the connection is closed."""

    head_seconds = HEAD_SECONDS
    request_seconds = REQUEST_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._started = 0.0
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self._between_requests():
            self._arm()  # the first byte of the next request on a keep-alive connection
        head_pending = self._between_requests()
        super().data_received(data)
        if self.transport.get_protocol() is not self or not self._receiving():
            self._disarm()  # received in full, or upgraded to a WebSocket
        elif head_pending and not self._between_requests():  # the head is in: the body has what is left
            self._arm(self._started + self.request_seconds - time.monotonic())

    def on_response_complete(self) -> None:
        self._disarm()  # answered (perhaps before its body was read): the next byte starts the next deadline
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _receiving(self) -> bool:
        return self._between_requests() or self.cycle.more_body

    def _arm(self, seconds: float | None = None) -> None:
        if self._deadline is None:
            self._started = time.monotonic()
        else:
            self._deadline.cancel()
        wait = self.head_seconds if seconds is None else max(seconds, 0.0)
        self._deadline = self.loop.call_later(wait, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        where = f"{self.client[0]}:{self.client[1]} - " if self.client else ""
        self.logger.warning("%sa request took over the time allowed to arrive; connection closed", where)
        if self._between_requests():  # nothing of a response is written yet: say why
            self.transport.write(_timeout_response())
        self.transport.close()


class CleanWebSocketProtocol(WebSocketsSansIOProtocol):
    """A text frame that is not UTF-8 closes the socket with 1007 and one warning line (uvicorn logs a trace)."""

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent and not _utf8(self.frames):
            self.frames = []
            self.logger.warning("a WebSocket client sent a text frame that is not UTF-8; closed with 1007")
            self.conn.send_close(INVALID_UTF8, "invalid UTF-8 in a text frame")
            self.handle_parser_exception()
            return
        super().send_receive_event_to_app()


def _utf8(frames: list[Any]) -> bool:
    try:
        b"".join(frames).decode()
    except UnicodeDecodeError:
        return False
    return True


def bounded() -> dict[str, Any]:
    """The uvicorn.Config options every server of the API runs with."""
    return {
        "http": DeadlineH11Protocol,
        "ws": CleanWebSocketProtocol,
        "limit_concurrency": MAX_CONNECTIONS,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }
