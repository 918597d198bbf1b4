"""Cancel requests between processes sharing an LMDB store (a `writeit serve` stopping what a TUI generates).

LMDB has no notifications: a request is a key in db "cancels" (session NUL candidate → pipeline), and each
process looks for its session's every 50 ms (one read transaction, ~10 µs), takes them and acts on them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

import lmdb

from writeit.adapters.lmdb.environment import transact
from writeit.application.errors import StoreError

POLL_SECONDS = 0.05
OnCancel = Callable[[str, str], Awaitable[object]]  # (pipeline id, candidate id)
log = logging.getLogger("writeit.cancels")


class LmdbCancelRequests:
    """CancelRequests in the store; `bind` starts this process's look for the requests addressed to it."""

    def __init__(self, env: lmdb.Environment) -> None:
        self._env = env
        self._db = transact(env, lambda txn: env.open_db(b"cancels", txn=txn), write=True)
        self._task: asyncio.Task[None] | None = None

    async def request(self, session: str, pipeline_id: str, candidate_id: str) -> None:
        key = f"{session}\x00{candidate_id}".encode()
        await asyncio.to_thread(
            transact, self._env, lambda txn: txn.put(key, pipeline_id.encode(), db=self._db), write=True
        )

    def bind(self, session: str, on_cancel: OnCancel) -> None:
        self._task = asyncio.create_task(self._watch(f"{session}\x00".encode(), on_cancel), name="writeit-cancels")

    def unbind(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _watch(self, prefix: bytes, on_cancel: OnCancel) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                found = transact(self._env, lambda txn: _with_prefix(txn, self._db, prefix))
                if not found:
                    continue
                await asyncio.to_thread(transact, self._env, partial(_delete, db=self._db, found=found), write=True)
            except StoreError as exc:
                log.warning("cancel requests unreadable: %s", exc)
                continue
            for key, pipeline_id in found:
                try:
                    await on_cancel(pipeline_id.decode(), key[len(prefix) :].decode())
                except Exception:  # one request's failure must not stop this process hearing the next
                    log.exception("a cancel request failed")


def _with_prefix(txn: lmdb.Transaction[bytes], db: lmdb._Database, prefix: bytes) -> list[tuple[bytes, bytes]]:
    cursor = txn.cursor(db=db)
    found: list[tuple[bytes, bytes]] = []
    if cursor.set_range(prefix):
        for key, value in cursor:
            if not key.startswith(prefix):
                break
            found.append((bytes(key), bytes(value)))
    return found


def _delete(txn: lmdb.Transaction[bytes], db: lmdb._Database, found: list[tuple[bytes, bytes]]) -> None:
    for key, _ in found:
        txn.delete(key, db=db)
