"""Recorded model answers: recording them, reusing them (a read-through cache), and replaying only them."""

from __future__ import annotations

import hashlib
import json
import logging
from enum import StrEnum

from writeit.application.errors import ModelError, StoreError
from writeit.application.ports import Completion, ModelRequest, RecordedResponse, ResponseCache

log = logging.getLogger(__name__)


class CacheMode(StrEnum):
    OFF = "off"  # neither read nor write
    RECORD = "record"  # record every answer (for a later replay), never reuse one
    ON = "on"  # record, and answer a request seen before from its recording, instantly
    REPLAY = "replay"  # answer only from recordings: deterministic and offline; a miss is an error


class ReplayMissError(ModelError):
    """Replay mode met a request that was never recorded."""

    def __init__(self, model_id: str) -> None:
        super().__init__(model_id, "no recorded answer to this prompt (replay answers only from recorded runs)")


def cache_key(request: ModelRequest, sample: int) -> str:
    """The digest of what determines an answer. `sample` tells apart the several answers to one prompt."""
    fields = [request.model_id, request.prompt, request.system, dict(request.options), sample]
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ResponseRecorder:
    """Consults and fills the cache as the mode says. A failing cache never fails a candidate, except in replay."""

    def __init__(self, cache: ResponseCache | None = None, mode: CacheMode = CacheMode.OFF) -> None:
        self._cache = cache
        self.mode = mode if cache is not None or mode is CacheMode.REPLAY else CacheMode.OFF

    async def lookup(self, request: ModelRequest, sample: int) -> Completion | None:
        """The recorded answer to `request`, if the mode reads recordings and there is one.

        Raises ReplayMissError in replay mode when there is none (or the cache cannot be read).
        """
        if self.mode not in (CacheMode.ON, CacheMode.REPLAY):
            return None
        hit = await self._get(request, sample)
        if hit is None:
            if self.mode is CacheMode.REPLAY:
                raise ReplayMissError(request.model_id)
            return None
        return Completion(
            model_id=request.model_id, text=hit.text, input_tokens=hit.input_tokens, output_tokens=hit.output_tokens
        )

    async def record(self, request: ModelRequest, sample: int, completion: Completion) -> None:
        if self._cache is None or self.mode in (CacheMode.OFF, CacheMode.REPLAY):
            return
        response = RecordedResponse(
            model_id=completion.model_id,
            text=completion.text,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
        )
        try:
            await self._cache.put(cache_key(request, sample), response)
        except StoreError as exc:  # the answer is already the candidate's: losing its recording costs little
            log.warning("could not record the answer of model %s: %s", request.model_id, exc)

    async def _get(self, request: ModelRequest, sample: int) -> RecordedResponse | None:
        if self._cache is None:
            return None
        try:
            return await self._cache.get(cache_key(request, sample))
        except StoreError as exc:
            log.warning("could not read recorded answers: %s", exc)
            return None
