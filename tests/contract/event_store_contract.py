"""The behaviour every EventStore must show; subclass it with a `store` fixture for each adapter."""

from __future__ import annotations

import abc
import asyncio

import pytest

from writeit.application.errors import VersionConflictError
from writeit.application.ports import EventStore
from writeit.domain.events import CandidateCompleted, CandidateSelected, Event, PipelineStarted

AT = "2025-01-01T00:00:00+00:00"


def started(pipeline_id: str, seq: int = 1) -> PipelineStarted:
    return PipelineStarted(
        pipeline_id=pipeline_id,
        seq=seq,
        at=AT,
        template_name="article",
        template_source="builtin",
        template_text="steps: []",
        step_keys=("outline", "draft"),
        inputs={"topic": "lmdb", "tags": ["a", "b"]},
    )


def selected(pipeline_id: str, seq: int, candidate_id: str = "c1") -> CandidateSelected:
    return CandidateSelected(
        pipeline_id=pipeline_id, seq=seq, at=AT, branch="main", step="outline", candidate_id=candidate_id
    )


def completed(pipeline_id: str, seq: int, text: str) -> CandidateCompleted:
    return CandidateCompleted(pipeline_id=pipeline_id, seq=seq, at=AT, candidate_id="c1", model="echo", text=text)


def stream(pipeline_id: str, count: int, first: int = 1) -> list[Event]:
    """`count` events continuing from seq `first`; a PipelineStarted when starting at 1."""
    return [
        started(pipeline_id) if seq == 1 else selected(pipeline_id, seq, f"c{seq}")
        for seq in range(first, first + count)
    ]


class EventStoreContract(abc.ABC):
    @pytest.fixture
    @abc.abstractmethod
    def store(self) -> EventStore: ...

    async def test_appending_to_a_new_pipeline_from_version_0_returns_the_new_version(self, store: EventStore) -> None:
        assert await store.append("p1", stream("p1", 3), expected_version=0) == 3
        assert await store.version("p1") == 3

    async def test_events_read_back_equal_the_appended_ones_in_order(self, store: EventStore) -> None:
        events = stream("p1", 12)
        await store.append("p1", events[:2], 0)
        await store.append("p1", events[2:11], 2)
        await store.append("p1", events[11:], 11)
        assert await store.read("p1") == events

    async def test_read_after_n_returns_only_later_events(self, store: EventStore) -> None:
        events = stream("p1", 5)
        await store.append("p1", events, 0)
        assert await store.read("p1", after=3) == events[3:]
        assert await store.read("p1", after=5) == []
        assert await store.read("p1", after=99) == []

    async def test_reading_one_pipeline_never_shows_another_with_a_longer_id(self, store: EventStore) -> None:
        await store.append("p", stream("p", 2), 0)
        await store.append("p1", stream("p1", 3), 0)
        await store.append("o", stream("o", 1), 0)
        assert [e.pipeline_id for e in await store.read("p")] == ["p", "p"]
        assert await store.read("p\x00") == []

    async def test_a_stale_expected_version_raises_version_conflict_and_stores_nothing(self, store: EventStore) -> None:
        await store.append("p1", stream("p1", 2), 0)
        with pytest.raises(VersionConflictError) as caught:
            await store.append("p1", stream("p1", 1, first=2), expected_version=1)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert await store.version("p1") == 2
        assert await store.read("p1") == stream("p1", 2)

    async def test_appending_to_an_unknown_pipeline_from_a_later_version_conflicts(self, store: EventStore) -> None:
        with pytest.raises(VersionConflictError):
            await store.append("p1", stream("p1", 1, first=4), expected_version=3)
        assert await store.pipeline_ids() == []

    @pytest.mark.parametrize(
        "events",
        [
            pytest.param([selected("p1", 3)], id="gap"),
            pytest.param([selected("p1", 2), selected("p1", 2)], id="repeat"),
            pytest.param([selected("p1", 1)], id="restart"),
            pytest.param([selected("other", 2)], id="other-pipeline"),
        ],
    )
    async def test_an_append_whose_events_do_not_continue_the_sequence_is_refused(
        self, store: EventStore, events: list[Event]
    ) -> None:
        await store.append("p1", stream("p1", 1), 0)
        with pytest.raises(ValueError, match=r"seq|pipeline"):
            await store.append("p1", events, 1)
        assert await store.read("p1") == stream("p1", 1)

    @pytest.mark.parametrize(("pipeline_id", "expected"), [("", 0), ("a\x00b", 0), ("x" * 300, 0), ("p1", -1)])
    async def test_invalid_pipeline_ids_and_negative_versions_are_refused(
        self, store: EventStore, pipeline_id: str, expected: int
    ) -> None:
        with pytest.raises(ValueError, match=r"pipeline id|expected version"):
            await store.append(pipeline_id, [], expected)

    async def test_an_append_of_several_events_is_all_or_nothing(self, store: EventStore) -> None:
        await store.append("p1", stream("p1", 1), 0)
        with pytest.raises(ValueError, match="seq"):
            await store.append("p1", [*stream("p1", 3, first=2), selected("p1", 9)], 1)
        with pytest.raises(VersionConflictError):
            await store.append("p1", stream("p1", 4, first=1), 0)
        assert await store.read("p1") == stream("p1", 1)
        assert await store.version("p1") == 1

    async def test_an_empty_append_stores_nothing_and_returns_the_version(self, store: EventStore) -> None:
        assert await store.append("p1", [], 0) == 0
        assert await store.pipeline_ids() == []
        await store.append("p1", stream("p1", 2), 0)
        assert await store.append("p1", [], 2) == 2
        with pytest.raises(VersionConflictError):
            await store.append("p1", [], 1)

    async def test_version_of_an_unknown_pipeline_is_0_and_read_is_empty(self, store: EventStore) -> None:
        await store.append("known", stream("known", 2), 0)
        assert await store.version("unknown") == 0
        assert await store.read("unknown") == []
        assert await store.read("unknown", after=3) == []

    async def test_pipeline_ids_lists_pipelines_oldest_first(self, store: EventStore) -> None:
        assert await store.pipeline_ids() == []
        for pipeline_id in ("c", "a", "b"):
            await store.append(pipeline_id, stream(pipeline_id, 1), 0)
        await store.append("a", stream("a", 2, first=2), 1)
        assert await store.pipeline_ids() == ["c", "a", "b"]

    async def test_50_concurrent_appends_to_different_pipelines_all_land(self, store: EventStore) -> None:
        ids = [f"pipe-{n:02}" for n in range(50)]
        versions = await asyncio.gather(*(store.append(p, stream(p, 2), 0) for p in ids))
        assert versions == [2] * 50
        assert sorted(await store.pipeline_ids()) == ids
        for p in ids:
            assert await store.read(p) == stream(p, 2)

    async def test_concurrent_appends_with_the_same_expected_version_to_one_pipeline_let_exactly_one_win(
        self, store: EventStore
    ) -> None:
        await store.append("p1", stream("p1", 1), 0)
        attempts = [[selected("p1", 2, f"c{n}")] for n in range(10)]
        results = await asyncio.gather(*(store.append("p1", e, 1) for e in attempts), return_exceptions=True)
        winners = [n for n, r in enumerate(results) if r == 2]
        assert len(winners) == 1
        assert all(isinstance(r, VersionConflictError) for n, r in enumerate(results) if n != winners[0])
        assert await store.read("p1") == [started("p1"), *attempts[winners[0]]]

    async def test_a_conflict_among_concurrent_appends_does_not_affect_the_others(self, store: EventStore) -> None:
        await store.append("b", stream("b", 1), 0)
        results = await asyncio.gather(
            store.append("a", stream("a", 1), 0),
            store.append("b", stream("b", 1, first=6), 5),
            store.append("c", stream("c", 2), 0),
            return_exceptions=True,
        )
        assert results[0] == 1
        assert isinstance(results[1], VersionConflictError)
        assert results[2] == 2
        assert await store.read("c") == stream("c", 2)
        assert await store.version("b") == 1

    async def test_events_with_unicode_and_large_text_round_trip(self, store: EventStore) -> None:
        big = ('Ünïcödé ✍️ 写作 \x00 "quotes" \\ \n' * 40_000)[: 1 << 20]
        events = [started("p-é✓"), completed("p-é✓", 2, big), completed("p-é✓", 3, "🙂" * 10)]
        await store.append("p-é✓", events, 0)
        assert await store.read("p-é✓") == events
        assert await store.pipeline_ids() == ["p-é✓"]

    # ----- the global log -----------------------------------------------------------------------
    async def test_an_empty_store_has_position_0_and_an_empty_log(self, store: EventStore) -> None:
        assert await store.last_position() == 0
        assert await store.read_all() == []

    async def test_every_event_gets_the_next_global_position_in_append_order(self, store: EventStore) -> None:
        await store.append("b", stream("b", 2), 0)
        await store.append("a", stream("a", 3), 0)
        await store.append("b", stream("b", 1, first=3), 2)
        logged = await store.read_all()
        assert [entry.position for entry in logged] == [1, 2, 3, 4, 5, 6]
        assert [entry.event for entry in logged] == [*stream("b", 2), *stream("a", 3), *stream("b", 1, first=3)]
        assert await store.last_position() == 6

    async def test_read_all_pages_by_position_and_limit(self, store: EventStore) -> None:
        await store.append("p1", stream("p1", 10), 0)
        page = await store.read_all(after=3, limit=4)
        assert [entry.position for entry in page] == [4, 5, 6, 7]
        assert [entry.event.seq for entry in page] == [4, 5, 6, 7]
        assert await store.read_all(after=10) == []
        assert await store.read_all(after=0, limit=0) == []

    async def test_refused_appends_take_no_position(self, store: EventStore) -> None:
        await store.append("p1", stream("p1", 2), 0)
        with pytest.raises(VersionConflictError):
            await store.append("p1", stream("p1", 1, first=2), 1)
        with pytest.raises(ValueError, match="seq"):
            await store.append("p1", [selected("p1", 9)], 2)
        await store.append("p1", [], 2)
        await store.append("p2", stream("p2", 1), 0)
        assert [(e.position, e.event.pipeline_id) for e in await store.read_all()] == [(1, "p1"), (2, "p1"), (3, "p2")]

    async def test_concurrent_appends_get_gapless_positions_each_event_once_in_seq_order(
        self, store: EventStore
    ) -> None:
        ids = [f"pipe-{n:02}" for n in range(20)]
        await asyncio.gather(*(store.append(p, stream(p, 2), 0) for p in ids))
        await asyncio.gather(*(store.append(p, stream(p, 3, first=3), 2) for p in ids))
        logged = await store.read_all(limit=10_000)
        assert [entry.position for entry in logged] == list(range(1, 101))
        assert await store.last_position() == 100
        for p in ids:
            assert [e.event for e in logged if e.event.pipeline_id == p] == await store.read(p)
