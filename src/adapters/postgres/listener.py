"""One LISTEN connection per process for the workspace's channels, each notification handed to its channel's handler.

The handlers run on the listener thread: they must only hand the payload on (to an event loop, say).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from psycopg import sql

from writeit.adapters.postgres.database import PostgresDatabase

_POLL = 0.05  # seconds the listener waits for a notification before it checks whether to stop (bounds close())
_RETRY = 1.0  # seconds before listening again after the connection failed
Handler = Callable[[str], None]
log = logging.getLogger("writeit.listener")


class Listener:
    """LISTENs on the channels it was given; `on_reconnect` handlers hear that notifications may have been lost."""

    def __init__(self, database: PostgresDatabase, name: str = "pg-listener") -> None:
        self._db = database
        self._handlers: dict[str, list[Handler]] = {}
        self._reconnected: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def on(self, channel: str, handler: Handler) -> None:
        """Call `handler(payload)` for each notification on `channel` (register before `start`)."""
        self._handlers.setdefault(channel, []).append(handler)

    def on_reconnect(self, handler: Callable[[], None]) -> None:
        self._reconnected.append(handler)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def wait_listening(self, timeout: float = 10) -> bool:
        return self._listening.wait(timeout)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                with self._db.connect() as conn:
                    for channel in self._handlers:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self._listening.set()
                    if not first:
                        self._call_all(self._reconnected)
                    first = False
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=_POLL):
                            self._dispatch(notice.channel, notice.payload)
                            if self._stop.is_set():
                                break
            except Exception as exc:  # the server went away: listen again shortly
                log.warning("listening for notifications failed, trying again: %s", exc)
                self._stop.wait(_RETRY)

    def _dispatch(self, channel: str, payload: str) -> None:
        for handler in self._handlers.get(channel, ()):
            try:
                handler(payload)
            except Exception:  # one handler's bug must not stop the others' notifications
                log.exception("a handler of channel %s failed", channel)

    @staticmethod
    def _call_all(handlers: list[Callable[[], None]]) -> None:
        for handler in handlers:
            handler()
