"""Streaming an `llm` response onto the event loop: async models directly, sync ones from a thread of their own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from writeit.adapters.llm.errors import Translate, translated
from writeit.adapters.llm.pool import InstancePool, Lease
from writeit.application.errors import ModelError
from writeit.application.ports import ChunkCallback

if TYPE_CHECKING:
    import llm

Outcome = tuple[str, "llm.Usage"]


async def complete_async(start: Callable[[], Any], on_chunk: ChunkCallback, translate: Translate) -> Outcome:
    with translated(translate):
        response = start()
    parts: list[str] = []
    async with aclosing(_chunks(response, translate)) as chunks:
        async for chunk in chunks:
            parts.append(chunk)
            on_chunk(chunk)  # outside the translation: a failing callback is the caller's error, not the model's
    with translated(translate):
        usage = await response.usage()
    return "".join(parts), usage


async def _chunks(response: Any, translate: Translate) -> AsyncGenerator[str, None]:
    with translated(translate):
        async for chunk in response:
            yield chunk


class ThreadedStream:
    """Runs one sync `llm` response in a thread, handing each chunk to `on_chunk` on the event loop's thread."""

    def __init__(self, model_id: str, pool: InstancePool, on_chunk: ChunkCallback, translate: Translate) -> None:
        self._model_id = model_id
        self._pool = pool
        self._on_chunk = on_chunk
        self._translate = translate
        self._loop = asyncio.get_running_loop()
        self._stopped = threading.Event()
        self._outcome: asyncio.Future[Outcome] = self._loop.create_future()

    async def run(self, start: Callable[[Any], Any]) -> Outcome:
        """`start(model)` begins the response on the model instance the pool lends this call."""
        # A daemon thread of its own rather than the default executor: a cancelled generation keeps its thread
        # until the next chunk, and must neither hold a pool slot others wait for nor delay the loop's shutdown.
        name = f"writeit-llm-{self._model_id}"
        threading.Thread(target=self._work, args=(start,), name=name, daemon=True).start()
        try:
            return await self._outcome
        finally:
            self._stopped.set()

    def _work(self, start: Callable[[Any], Any]) -> None:
        try:
            with self._pool.lease(self._stopped) as lease:
                if lease is None or self._stopped.is_set():
                    return
                outcome = self._stream(start(lease.model), lease)
        except Exception as exc:
            self._post(self._settle, self._translate(exc))
        else:
            if outcome is not None:
                self._post(self._settle, outcome)

    def _stream(self, response: Any, lease: Lease) -> Outcome | None:
        parts: list[str] = []
        for chunk in response:
            lease.loaded()
            if self._stopped.is_set():
                return None
            parts.append(chunk)
            self._post(self._deliver, chunk)
        return "".join(parts), response.usage()

    def _post(self, callback: Callable[[Any], None], arg: object) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, arg)
        except RuntimeError:  # the loop has closed: nobody is listening any more
            self._stopped.set()

    def _deliver(self, chunk: str) -> None:
        if self._outcome.done():  # cancelled or failed: chunks still queued must not reach the caller
            return
        try:
            self._on_chunk(chunk)
        except Exception as exc:
            self._stopped.set()
            self._outcome.set_exception(exc)

    def _settle(self, outcome: Outcome | ModelError) -> None:
        if self._outcome.done():
            return
        if isinstance(outcome, ModelError):
            self._outcome.set_exception(outcome)
        else:
            self._outcome.set_result(outcome)
