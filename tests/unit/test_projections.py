"""The summaries projection: fed by the global log, equal to a replay, rebuilt by itself, never replaying to list."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.workload import pipeline_events

from tests.unit.service_fixtures import world
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.adapters.memory.projection_store import InMemoryProjectionStore
from writeit.application.ports import ProjectionState
from writeit.application.projections import SUMMARIES, SUMMARIES_VERSION, SummaryProjection
from writeit.application.views import summary
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline


async def _replayed(store: InMemoryEventStore) -> list[dict[str, object]]:
    rows = [dataclasses.asdict(summary(Pipeline.replay(await store.read(p)))) for p in await store.pipeline_ids()]
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]))


async def _session(tmp_path: Path) -> tuple[InMemoryEventStore, list[list[dict[str, Any]]]]:
    """A few pipelines driven through the service; the projection caught up after every command."""
    w = world(tmp_path, {"paid": ["a paid answer"]})
    seen: list[list[dict[str, Any]]] = []
    one = await w.service.start("three", {"topic": "first"})
    seen.append([dataclasses.asdict(s) for s in await w.service.summaries()])
    two = await w.service.start("three", {"topic": "second"})
    await (await w.service.generate(one.id, models=["paid"])).wait()
    seen.append([dataclasses.asdict(s) for s in await w.service.summaries()])
    first = (await w.service.get(one.id)).step("angles").candidates[0].id
    await w.service.select(one.id, "angles", first)
    await w.service.fork(one.id, "angles", "other")
    await (await w.service.generate(two.id, models=["echo"])).wait()
    seen.append([dataclasses.asdict(s) for s in await w.service.summaries()])
    return w.store, seen


async def test_the_listing_after_every_command_equals_a_replay_of_every_pipeline(tmp_path: Path) -> None:
    store, seen = await _session(tmp_path)
    assert seen[-1] == await _replayed(store)
    assert seen[-1][0]["current_step"] == "angles"
    assert seen[-1][0]["branch"] == "other"
    assert seen[-1][0]["input_tokens"] > 0
    assert seen[-1][0]["cost"] > 0
    assert [s["status"] for s in seen[1]] == ["ready", "pending"]


async def test_a_rebuild_from_the_log_equals_the_incrementally_kept_rows(tmp_path: Path) -> None:
    store, seen = await _session(tmp_path)
    rebuilt = SummaryProjection(store, InMemoryProjectionStore())
    assert [dataclasses.asdict(s) for s in await rebuilt.summaries()] == seen[-1]


async def test_a_projection_of_another_version_is_rebuilt_by_itself(tmp_path: Path) -> None:
    store, seen = await _session(tmp_path)
    projections = InMemoryProjectionStore()
    await projections.reset(SUMMARIES, SUMMARIES_VERSION - 1)
    stale = {"id": "gone", "created_at": "", "sessions": []}
    await projections.commit(SUMMARIES, ProjectionState(SUMMARIES_VERSION - 1, 0), 10_000, {"gone": stale})
    projection = SummaryProjection(store, projections)
    assert [dataclasses.asdict(s) for s in await projection.summaries()] == seen[-1]
    assert await projections.state(SUMMARIES) == ProjectionState(SUMMARIES_VERSION, await store.last_position())


async def test_listing_an_up_to_date_projection_reads_no_pipeline_events(tmp_path: Path) -> None:
    store, seen = await _session(tmp_path)
    projection = SummaryProjection(store, InMemoryProjectionStore())
    await projection.catch_up()

    async def no_replay(pipeline_id: str, after: int = 0) -> list[Event]:
        raise AssertionError(f"listing replayed {pipeline_id}")

    store.read = no_replay  # type: ignore[method-assign]
    assert [dataclasses.asdict(s) for s in await projection.summaries()] == seen[-1]


async def test_a_page_another_process_commits_first_is_skipped_and_folding_goes_on_from_its_position(
    tmp_path: Path,
) -> None:
    store, seen = await _session(tmp_path)
    shared = InMemoryProjectionStore()
    ours, theirs = SummaryProjection(store, shared), SummaryProjection(store, shared)
    commit = shared.commit

    async def theirs_first(
        name: str, expected: ProjectionState, position: int, rows: Mapping[str, Mapping[str, Any]]
    ) -> bool:
        shared.commit = commit  # type: ignore[method-assign]
        await theirs.catch_up()  # the whole log, before our first page lands
        return await commit(name, expected, position, rows)

    shared.commit = theirs_first  # type: ignore[method-assign]
    assert [dataclasses.asdict(s) for s in await ours.summaries()] == seen[-1]
    assert (await shared.state(SUMMARIES)).position == await store.last_position()


async def test_a_listing_kept_for_reuse_follows_rows_another_process_moved(tmp_path: Path) -> None:
    store, seen = await _session(tmp_path)
    projections = InMemoryProjectionStore()
    ours, theirs = SummaryProjection(store, projections), SummaryProjection(store, projections)
    listed = await ours.summaries()
    listed.clear()  # what a caller does with its list never reaches the next listing
    events = pipeline_events("late", 12)
    await store.append("late", events, 0)
    await theirs.catch_up()  # the rows and the position move in "another process"
    assert sorted(s.id for s in await ours.summaries()) == sorted([s["id"] for s in seen[-1]] + ["late"])
