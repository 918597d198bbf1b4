"""The log follower: events another process stores reach this process's subscribers, each exactly once."""

from __future__ import annotations

from pathlib import Path

from tests.unit.service_fixtures import world
from writeit.application.follower import LogFollower
from writeit.application.hub import EventMessage, Subscription


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
