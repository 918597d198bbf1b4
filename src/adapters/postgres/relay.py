"""Token chunks across workers: this process's chunks go out by NOTIFY, coalesced under PostgreSQL's 8 kB
payload limit, and other workers' chunks arrive by LISTEN into this process's hub.

Chunks are never stored (as with LMDB): a worker that was not listening when they went out gets the text with
the candidate's completion event instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import uuid

import psycopg

from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.schema import lock_key
from writeit.application.hub import StreamHub, Subscription

_LIMIT = 7_500  # bytes of payload per NOTIFY: PostgreSQL refuses 8,000 or more
_PIECE = 1_000  # characters of a chunk's text per entry: at most 6 bytes each as JSON, so an entry always fits
_POLL = 0.05  # seconds the listener waits for a notification before it checks whether to stop (bounds close())
Entry = tuple[str, str, str, bool]  # pipeline, candidate, text, reset
log = logging.getLogger("writeit.relay")


def _size(entry: Entry) -> int:
    return len(json.dumps(entry, ensure_ascii=False).encode()) + 1


def channel(schema: str) -> str:
    """A channel name per workspace that stays within PostgreSQL's 63 bytes whatever the schema's length."""
    return f"writeit_chunks_{lock_key(schema) & 0xFFFFFFFF:08x}"


class RelayedHub(StreamHub):
    """A StreamHub whose token chunks (and resets) reach the subscribers of every worker on the workspace.

    A sender thread drains what was published since its last NOTIFY into one payload (so a burst of chunks
    costs one round trip); a listener thread hands other workers' chunks to the loop its subscribers run on.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        super().__init__()
        self._db = database
        self._channel = channel(database.schema)
        self._origin = uuid.uuid4().hex[:12]
        self._outbox: queue.SimpleQueue[Entry | None] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._held: Entry | None = None  # taken from the outbox, but for the next payload
        self._stopping = False
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._sender = threading.Thread(target=self._send_loop, name="pg-chunk-sender", daemon=True)
        # Listening from the start, so that a subscriber misses nothing sent after it subscribed.
        self._listener = threading.Thread(target=self._listen_loop, name="pg-chunk-listener", daemon=True)
        self._sender.start()
        self._listener.start()

    def wait_listening(self, timeout: float = 10) -> bool:
        return self._listening.wait(timeout)

    def subscribe(self, pipeline_id: str) -> Subscription:
        with contextlib.suppress(RuntimeError):  # no loop running: nothing of other workers' can reach it
            self._loop = asyncio.get_running_loop()
        return super().subscribe(pipeline_id)

    def publish_chunk(self, pipeline_id: str, candidate_id: str, text: str) -> None:
        super().publish_chunk(pipeline_id, candidate_id, text)
        for start in range(0, len(text), _PIECE):
            self._outbox.put((pipeline_id, candidate_id, text[start : start + _PIECE], False))

    def publish_reset(self, pipeline_id: str, candidate_id: str) -> None:
        super().publish_reset(pipeline_id, candidate_id)
        self._outbox.put((pipeline_id, candidate_id, "", True))

    def close(self) -> None:
        self._stop.set()
        self._outbox.put(None)
        self._sender.join(timeout=5)
        self._listener.join(timeout=5)

    # ----- the sender ---------------------------------------------------------------------------------------
    def _send_loop(self) -> None:
        conn: psycopg.Connection[tuple[object, ...]] | None = None
        while (first := self._next()) is not None:
            payload = self._payload(first)
            try:
                conn = conn if conn is not None and not conn.closed else self._db.connect()
                conn.execute("SELECT pg_notify(%s, %s)", (self._channel, payload))
            except Exception as exc:  # chunks are transient: drop these, reconnect for the next ones
                log.warning("token chunks not relayed: %s", exc)
                conn = None
        if conn is not None:
            conn.close()

    def _payload(self, first: Entry) -> str:
        """`first` and whatever else is waiting, as long as the payload stays under the limit."""
        entries, size = [first], _size(first)
        while True:
            try:
                entry = self._outbox.get_nowait()
            except queue.Empty:
                break
            if entry is None:
                self._stopping = True  # after this payload
                break
            if size + _size(entry) > _LIMIT:
                self._held = entry  # the next payload's first
                break
            entries.append(entry)
            size += _size(entry)
        return json.dumps({"o": self._origin, "c": entries}, ensure_ascii=False)

    def _next(self) -> Entry | None:
        if self._held is not None:
            entry, self._held = self._held, None
            return entry
        return None if self._stopping else self._outbox.get()

    # ----- the listener -------------------------------------------------------------------------------------
    def _listen_loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._db.connect() as conn:
                    conn.execute(f'LISTEN "{self._channel}"'.encode())
                    self._listening.set()
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=_POLL):
                            self._received(notice.payload)
                            if self._stop.is_set():
                                break
            except Exception as exc:  # the server went away: listen again shortly
                log.warning("token chunk listener: %s", exc)
                self._stop.wait(1.0)

    def _received(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message["o"] == self._origin or self._loop is None:
                return
            entries = [(str(p), str(c), str(t), bool(r)) for p, c, t, r in message["c"]]
        except (ValueError, KeyError, TypeError):
            return  # not one of ours
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is subscribed any more
            self._loop.call_soon_threadsafe(self._deliver, entries)

    def _deliver(self, entries: list[Entry]) -> None:
        for pipeline_id, candidate_id, text, reset in entries:
            if reset:
                StreamHub.publish_reset(self, pipeline_id, candidate_id)
            else:
                StreamHub.publish_chunk(self, pipeline_id, candidate_id, text)
