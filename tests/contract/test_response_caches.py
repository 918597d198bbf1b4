"""The ResponseCache contract run against the in-memory fake and LMDB, plus what only LMDB shows."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import lmdb
import pytest

from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.event_store import LmdbEventStore
from writeit.adapters.lmdb.response_cache import LmdbResponseCache
from writeit.adapters.memory.response_cache import InMemoryResponseCache
from writeit.application.errors import StoreError
from writeit.application.ports import RecordedResponse

from .response_cache_contract import KEY, ResponseCacheContract


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[lmdb.Environment]:
    with contextlib.contextmanager(open_environment)(tmp_path / "store") as env:
        yield env


class TestInMemoryResponseCache(ResponseCacheContract):
    @pytest.fixture
    def cache(self) -> InMemoryResponseCache:
        return InMemoryResponseCache()


class TestLmdbResponseCache(ResponseCacheContract):
    @pytest.fixture
    def cache(self, environment: lmdb.Environment) -> LmdbResponseCache:
        return LmdbResponseCache(environment)


async def test_recorded_answers_outlive_the_process(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with contextlib.contextmanager(open_environment)(path) as env:
        await LmdbResponseCache(env).put(KEY, RecordedResponse(model_id="m", text="kept", output_tokens=1))
    with contextlib.contextmanager(open_environment)(path) as env:
        assert await LmdbResponseCache(env).get(KEY) == RecordedResponse(model_id="m", text="kept", output_tokens=1)


async def test_the_cache_shares_the_environment_with_the_event_store(environment: lmdb.Environment) -> None:
    store = LmdbEventStore(environment)
    try:
        cache = LmdbResponseCache(environment)
        await cache.put(KEY, RecordedResponse(model_id="m", text="x"))
        assert await store.pipeline_ids() == []
        assert await cache.get(KEY) is not None
    finally:
        store.close()


async def test_an_unreadable_record_is_a_store_error(environment: lmdb.Environment) -> None:
    cache = LmdbResponseCache(environment)
    with environment.begin(write=True) as txn:
        txn.put(KEY.encode(), b"not json", db=environment.open_db(b"responses", txn=txn))
    with pytest.raises(StoreError, match="unreadable"):
        await cache.get(KEY)


async def test_an_oversized_key_is_refused_as_a_store_error(environment: lmdb.Environment) -> None:
    with pytest.raises(StoreError, match="key"):
        await LmdbResponseCache(environment).put("k" * 600, RecordedResponse(model_id="m", text="x"))
