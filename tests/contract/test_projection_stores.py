"""The ProjectionStore contract run against the in-memory fake and LMDB, plus reopening LMDB."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from writeit.adapters.lmdb.environment import open_environment
from writeit.adapters.lmdb.projection_store import LmdbProjectionStore
from writeit.adapters.memory.projection_store import InMemoryProjectionStore
from writeit.application.ports import ProjectionState

from .projection_store_contract import ProjectionStoreContract


class TestInMemoryProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def projections(self) -> InMemoryProjectionStore:
        return InMemoryProjectionStore()


class TestLmdbProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def projections(self, tmp_path: Path) -> Iterator[LmdbProjectionStore]:
        with contextmanager(open_environment)(tmp_path) as env:
            yield LmdbProjectionStore(env)


async def test_lmdb_projection_rows_and_position_survive_reopening(tmp_path: Path) -> None:
    with contextmanager(open_environment)(tmp_path) as env:
        projections = LmdbProjectionStore(env)
        await projections.reset("p", 1)
        await projections.commit("p", ProjectionState(1, 0), 6, {"a": {"n": 1}})
    with contextmanager(open_environment)(tmp_path) as env:
        projections = LmdbProjectionStore(env)
        assert await projections.state("p") == ProjectionState(1, 6)
        assert await projections.rows("p") == [{"n": 1}]
