"""Recovery with no client: opening the store interrupts dead processes' candidates; cancelling one says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script
from writeit.domain.errors import CandidateStateError

SLOW = {"slow": Script(chunks=tuple("abcdef"), delay=0.2)}


async def test_recover_all_interrupts_every_candidate_of_dead_sessions_and_leaves_live_ones(tmp_path: Path) -> None:
    dead = world(tmp_path, SLOW, session="dead")
    store = dead.store
    one = await dead.service.start("three", {"topic": "one"})
    two = await dead.service.start("three", {"topic": "two"})
    lost = [*(await dead.service.generate(one.id, models=["slow"])).candidate_ids]
    lost += (await dead.service.generate(two.id, models=["slow"])).candidate_ids
    live = world(tmp_path, SLOW, store=store, session="live")
    three = await live.service.start("three", {"topic": "three"})
    running = await live.service.generate(three.id, models=["slow"])

    opener = world(tmp_path, store=store, session="opener", alive=frozenset({"live", "opener"})).service
    recovered = await opener.recover_all()
    assert sorted(c for ids in recovered.values() for c in ids) == sorted(lost)
    assert {s.status for s in await opener.summaries() if s.id != three.id} == {"ready"}
    assert {c.status for c in (await opener.get(three.id)).step("angles").candidates} == {"pending"}
    assert await opener.recover_all() == {}
    await running.wait()
    await dead.service.cancel_all()


async def test_cancelling_a_candidate_whose_process_is_gone_records_it_interrupted(tmp_path: Path) -> None:
    dead = world(tmp_path, SLOW, session="dead")
    view = await dead.service.start("three", {"topic": "x"})
    lost = (await dead.service.generate(view.id, models=["slow"])).candidate_ids
    other = world(tmp_path, store=dead.store, session="other", alive=frozenset({"other"})).service
    assert await other.cancel(view.id, lost[0]) is True
    statuses = {c.id: c.status for c in (await other.get(view.id)).step("angles").candidates}
    assert statuses[lost[0]] == "interrupted"
    await dead.service.cancel_all()


async def test_cancelling_a_candidate_another_live_process_runs_is_refused_with_its_session(tmp_path: Path) -> None:
    busy = world(tmp_path, SLOW, session="busy")
    view = await busy.service.start("three", {"topic": "x"})
    generation = await busy.service.generate(view.id, models=["slow"])
    other = world(tmp_path, store=busy.store, session="other", alive=frozenset({"busy", "other"})).service
    with pytest.raises(CandidateStateError, match=r"another process \(busy\)"):
        await other.cancel(view.id, generation.candidate_ids[0])
    await busy.service.cancel_all()
    assert await other.cancel(view.id, generation.candidate_ids[0]) is False  # finished (cancelled) meanwhile
