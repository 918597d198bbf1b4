"""The behaviour every ProjectionStore must show; subclass it with a `projections` fixture for each adapter."""

from __future__ import annotations

import abc
import asyncio

import pytest

from writeit.application.ports import ProjectionState, ProjectionStore


class ProjectionStoreContract(abc.ABC):
    @pytest.fixture
    @abc.abstractmethod
    def projections(self) -> ProjectionStore: ...

    async def test_a_projection_never_built_is_at_version_0_position_0_with_no_rows(
        self, projections: ProjectionStore
    ) -> None:
        assert await projections.state("p") == ProjectionState(0, 0)
        assert await projections.rows("p") == []

    async def test_a_commit_stores_rows_and_position_together_and_replaces_rows_by_key(
        self, projections: ProjectionStore
    ) -> None:
        await projections.reset("p", 3)
        assert await projections.commit("p", ProjectionState(3, 0), 5, {"b": {"n": 1}, "a": {"n": 2, "t": "é"}})
        assert await projections.commit("p", ProjectionState(3, 5), 9, {"b": {"n": 7, "l": [1, "x"]}})
        assert await projections.state("p") == ProjectionState(3, 9)
        assert await projections.rows("p") == [{"n": 2, "t": "é"}, {"n": 7, "l": [1, "x"]}]

    async def test_a_commit_from_a_state_another_writer_moved_stores_nothing(
        self, projections: ProjectionStore
    ) -> None:
        await projections.reset("p", 1)
        assert await projections.commit("p", ProjectionState(1, 0), 4, {"a": {"n": 1}})
        assert not await projections.commit("p", ProjectionState(1, 0), 4, {"a": {"n": 99}, "b": {"n": 2}})
        assert not await projections.commit("p", ProjectionState(2, 4), 8, {"a": {"n": 99}})
        assert await projections.rows("p") == [{"n": 1}]
        assert await projections.state("p") == ProjectionState(1, 4)

    async def test_concurrent_commits_from_the_same_state_let_exactly_one_win(
        self, projections: ProjectionStore
    ) -> None:
        await projections.reset("p", 1)
        results = await asyncio.gather(
            *(projections.commit("p", ProjectionState(1, 0), 3, {"a": {"n": n}}) for n in range(10))
        )
        assert results.count(True) == 1
        assert await projections.rows("p") == [{"n": results.index(True)}]

    async def test_reset_drops_the_rows_and_changes_the_version(self, projections: ProjectionStore) -> None:
        await projections.reset("p", 1)
        await projections.commit("p", ProjectionState(1, 0), 4, {"a": {"n": 1}})
        await projections.reset("p", 2)
        assert await projections.state("p") == ProjectionState(2, 0)
        assert await projections.rows("p") == []

    async def test_projections_by_other_names_are_independent(self, projections: ProjectionStore) -> None:
        await projections.reset("p", 1)
        await projections.reset("q", 1)
        await projections.commit("p", ProjectionState(1, 0), 2, {"a": {"n": 1}})
        assert await projections.rows("q") == []
        assert await projections.state("q") == ProjectionState(1, 0)
