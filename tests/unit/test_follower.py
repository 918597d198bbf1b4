"""The log follower: events another process stores reach this process's subscribers, each exactly once."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import pytest

from tests.unit.service_fixtures import world
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.application.errors import StoreError
from writeit.application.follower import SKIP_AFTER, LogFollower
from writeit.application.hub import EventMessage, Subscription
from writeit.application.ports import LoggedEvent


def drained(subscription: Subscription) -> list[int]:
    seqs = []
    while not subscription.queue.empty():
        message = subscription.queue.get_nowait()
        assert isinstance(message, EventMessage)
        seqs.append(message.event.seq)
    return seqs


async def test_events_another_process_stores_reach_subscribers_once_in_order(tmp_path: Path) -> None:
    here = world(tmp_path, session="here")
    there = world(tmp_path, store=here.store, session="there")
    view = await there.service.start("three", {"topic": "x"})
    follower = LogFollower(here.store, here.hub)
    await follower.start()
    with here.service.subscribe(view.id) as first, here.service.subscribe(view.id) as second:
        await there.service.give_feedback(view.id, "angles", "one")
        await (await there.service.generate(view.id, models=["echo"])).wait()
        assert drained(first) == [], "nothing crosses without the follower"
        await follower.step()
        version = (await here.service.get(view.id)).version
        assert drained(first) == drained(second) == list(range(2, version + 1))
        await follower.step()
        assert drained(first) == []


async def test_events_this_process_stores_are_not_sent_again_by_the_follower(tmp_path: Path) -> None:
    here = world(tmp_path, session="here")
    there = world(tmp_path, store=here.store, session="there")
    view = await here.service.start("three", {"topic": "x"})
    follower = LogFollower(here.store, here.hub)
    await follower.start()
    with here.service.subscribe(view.id) as subscription:
        await here.service.give_feedback(view.id, "angles", "ours")  # published by the save
        await there.service.give_feedback(view.id, "angles", "theirs")  # only the follower can bring it
        await here.service.give_feedback(view.id, "angles", "ours again")  # may come before the follower's
        await follower.step()
        assert sorted(drained(subscription)) == [2, 3, 4]  # 4 may come before 3: see StreamHub


async def test_a_pipeline_with_history_from_before_the_follower_keeps_its_sent_seqs_bounded(tmp_path: Path) -> None:
    here = world(tmp_path, session="here")
    view = await here.service.start("three", {"topic": "x"})
    fresh = world(tmp_path, store=here.store, session="fresh")  # a process started after seq 1 was stored
    with fresh.service.subscribe(view.id) as subscription:
        for n in range(300):
            await fresh.service.give_feedback(view.id, "angles", f"note {n}")
        assert drained(subscription) == list(range(2, 302))
    sent = fresh.hub._published[view.id]
    assert len(sent.above) <= 256


class FailsAtOnePosition(InMemoryEventStore):
    """A store whose event at global position `bad` cannot be read (a damaged record, say)."""

    bad = 0

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[LoggedEvent]:
        if after < self.bad <= after + limit:
            raise StoreError(f"position {self.bad} is damaged")
        return await super().read_all(after, limit)


async def test_a_position_that_cannot_be_read_is_warned_of_once_then_skipped_and_the_rest_still_arrive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = FailsAtOnePosition()
    here = world(tmp_path, store=store, session="here")
    there = world(tmp_path, store=store, session="there")
    view = await there.service.start("three", {"topic": "x"})
    follower = LogFollower(store, here.hub)
    await follower.start()
    with here.service.subscribe(view.id) as subscription, caplog.at_level(logging.WARNING):
        for n in range(4):
            await there.service.give_feedback(view.id, "angles", f"note {n}")  # seqs 2..5
        store.bad = await store.last_position() - 2  # seq 3
        for _ in range(SKIP_AFTER + 3):
            with contextlib.suppress(StoreError):
                await follower.step()
        assert drained(subscription) == [2, 4, 5]
    assert follower.position == await store.last_position()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(warnings) == 2, warnings  # the page read, then the position itself: once each
    assert errors == [
        f"event log position {store.bad} cannot be read, skipped (live updates go on): position {store.bad} is damaged"
    ]
