"""Two processes appending to one pipeline: this process's subscribers get its events in seq order, none skipped,
even when it stores one just after another process did (before its follower has brought the other's)."""

from __future__ import annotations

from pathlib import Path

from tests.unit.service_fixtures import world
from tests.unit.test_follower import drained
from writeit.application.follower import LogFollower


async def _interleaved(tmp_path: Path, *, evict: bool) -> list[int]:
    here = world(tmp_path, session="here")
    there = world(tmp_path, store=here.store, session="there")
    view = await here.service.start("three", {"topic": "x"})
    follower = LogFollower(here.store, here.hub)
    await follower.start()
    with here.service.subscribe(view.id) as subscription:
        await here.service.give_feedback(view.id, "angles", "ours")  # seq 2, published by the save
        if evict:
            here.service._uow.repo.forget(view.id)
        await there.service.give_feedback(view.id, "angles", "theirs")  # seq 3: only the store knows it here
        await here.service.give_feedback(view.id, "angles", "ours again")  # seq 4, stored after 3
        before_the_follower = drained(subscription)
        await follower.step()
        return before_the_follower + drained(subscription)


async def test_an_event_stored_here_after_another_process_stored_one_goes_out_after_it(tmp_path: Path) -> None:
    assert await _interleaved(tmp_path, evict=False) == [2, 3, 4]


async def test_the_same_when_the_aggregate_was_no_longer_cached_here(tmp_path: Path) -> None:
    assert await _interleaved(tmp_path, evict=True) == [2, 3, 4]
