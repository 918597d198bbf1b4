"""The WebSocket of a pipeline: stored events after `after`, then live events (each exactly once) and token chunks.

Messages: {"type": "event", "seq", "event"}; {"type": "token", "candidate_id", "text"} (one or more chunks, in
order; with "reset": true when a retry or fallback restarted the candidate's text, which the client then clears);
{"type": "error", "code", "message"} before a refusal close. docs/asyncapi.yaml is the protocol's contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from writeit.application.errors import AmbiguousPipelineIdError, PipelineNotFoundError
from writeit.application.follow import Following
from writeit.application.hub import EventMessage, TokenMessage
from writeit.application.service import PipelineService
from writeit.domain.codec import to_record
from writeit.entrypoints.api.deps import container_of
from writeit.entrypoints.api.schemas import ID_PATTERN
from writeit.entrypoints.display import clean

router = APIRouter()
BAD_REQUEST = 4400
NOT_FOUND = 4404
INTERNAL = 1011
COALESCE_LIMIT = 65_536  # characters of text gathered into one round of token frames at most
FRAME_INTERVAL = 0.004  # seconds: at most 250 token frames a second per client during a burst
REASONS = {BAD_REQUEST: "bad request", NOT_FOUND: "not found", INTERNAL: "internal error"}
log = logging.getLogger("writeit.api")


@router.websocket("/api/pipelines/{pipeline_id}/stream")
async def stream(websocket: WebSocket, pipeline_id: str) -> None:
    after = _after(websocket.query_params.get("after", "0"))
    await websocket.accept()
    if after is None:
        await _refuse(websocket, BAD_REQUEST, "`after` must be a whole number >= 0")
        return
    service: PipelineService = container_of(websocket).pipelines()
    try:
        if not re.fullmatch(ID_PATTERN, pipeline_id):
            raise PipelineNotFoundError(pipeline_id[:64])
        following = await service.follow(pipeline_id, after)
    except (PipelineNotFoundError, AmbiguousPipelineIdError) as exc:
        await _refuse(websocket, NOT_FOUND, str(exc))
        return
    with following:
        feed = Feed(websocket)
        watcher = asyncio.create_task(_until_disconnected(websocket))
        sender = asyncio.create_task(feed.run(following))
        try:
            await asyncio.wait({watcher, sender}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (watcher, sender):
                task.cancel()
            await asyncio.gather(watcher, sender, return_exceptions=True)
        failure = sender.exception() if sender.done() and not sender.cancelled() else None
    if failure is not None:
        log.error("stream of pipeline %s failed", following.pipeline_id, exc_info=failure)
        await _refuse(websocket, INTERNAL, "internal error; it has been logged")


class Feed:
    """Sends one client what it follows: each event once (the application's `follow`), token chunks coalesced."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket
        self._last_token = 0.0

    async def run(self, following: Following) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            async for message in following:
                if isinstance(message, EventMessage):
                    event = message.event
                    await self._send({"type": "event", "seq": event.seq, "event": to_record(event)})
                    continue
                await self._pace()
                for frame in _coalesce(message, following):
                    await self._send(frame)
                self._last_token = time.monotonic()

    async def _pace(self) -> None:
        """Within a burst, wait out the frame interval: the chunks that arrive meanwhile share the next frame.

        A model streaming slower than that is never delayed; a fast one reaches the client in far fewer frames
        (each frame is a system call), which is what lets one client keep up with a fast model.
        """
        wait = self._last_token + FRAME_INTERVAL - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _send(self, message: dict[str, Any]) -> None:
        await self._ws.send_text(json.dumps(message, ensure_ascii=False))


def _coalesce(first: TokenMessage, following: Following) -> list[dict[str, Any]]:
    """Token frames for `first` and the chunks waiting behind it, one frame per candidate, each candidate's text
    in order; an event waiting stops the gathering (`following` holds it back) so that it still follows every
    chunk sent before it."""
    frames: dict[str, dict[str, Any]] = {}
    message: TokenMessage | None = first
    size = 0
    while isinstance(message, TokenMessage):
        frame = frames.setdefault(message.candidate_id, {"type": "token", "candidate_id": message.candidate_id})
        if message.reset:  # a retry or a fallback restarted the answer: what came before is void
            frame.update(reset=True, text="")
        frame["text"] = frame.get("text", "") + message.text
        size += len(message.text)
        if size >= COALESCE_LIMIT:
            break
        following_message = following.ready()
        message = following_message if isinstance(following_message, TokenMessage) else None
    return list(frames.values())


async def _until_disconnected(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice at once when it goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _refuse(websocket: WebSocket, code: int, message: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.send_text(json.dumps({"type": "error", "code": code, "message": clean(message)}))
        if websocket.client_state is not WebSocketState.DISCONNECTED:
            await websocket.close(code=code, reason=REASONS[code])


def _after(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit()):
        return None
    try:
        return int(raw)
    except ValueError:  # more digits than Python converts (4300): a refusal, not a failed handshake
        return None
