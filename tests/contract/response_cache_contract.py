"""The ResponseCache contract: the in-memory fake and the LMDB cache must behave alike."""

from __future__ import annotations

import abc
import asyncio

import pytest

from writeit.application.ports import RecordedResponse, ResponseCache

KEY = "a" * 64


class ResponseCacheContract(abc.ABC):
    @pytest.fixture
    @abc.abstractmethod
    def cache(self) -> ResponseCache:
        """An empty cache."""

    async def test_an_unknown_key_has_no_answer(self, cache: ResponseCache) -> None:
        assert await cache.get(KEY) is None

    async def test_a_recorded_answer_comes_back_as_it_was(self, cache: ResponseCache) -> None:
        answer = RecordedResponse(model_id="gpt-x", text="Bonjour — 你好 ✓\nline two", input_tokens=7, output_tokens=3)
        await cache.put(KEY, answer)
        assert await cache.get(KEY) == answer

    async def test_usage_that_was_not_reported_stays_unreported(self, cache: ResponseCache) -> None:
        await cache.put(KEY, RecordedResponse(model_id="markov", text="babble"))
        hit = await cache.get(KEY)
        assert hit is not None
        assert (hit.input_tokens, hit.output_tokens) == (None, None)

    async def test_a_later_answer_replaces_an_earlier_one(self, cache: ResponseCache) -> None:
        await cache.put(KEY, RecordedResponse(model_id="m", text="first"))
        await cache.put(KEY, RecordedResponse(model_id="m", text="second"))
        hit = await cache.get(KEY)
        assert hit is not None
        assert hit.text == "second"

    async def test_keys_are_independent(self, cache: ResponseCache) -> None:
        await cache.put("b" * 64, RecordedResponse(model_id="m", text="b"))
        await cache.put("c" * 64, RecordedResponse(model_id="m", text="c"))
        hits = [await cache.get(k * 64) for k in "bcd"]
        assert [h.text if h else None for h in hits] == ["b", "c", None]

    async def test_concurrent_puts_all_land(self, cache: ResponseCache) -> None:
        keys = [f"{i:064d}" for i in range(20)]
        await asyncio.gather(*(cache.put(k, RecordedResponse(model_id="m", text=k[-2:])) for k in keys))
        hits = await asyncio.gather(*(cache.get(k) for k in keys))
        assert [h.text if h else None for h in hits] == [k[-2:] for k in keys]
