"""Recovery with no client: opening the store interrupts dead processes' candidates; cancelling one says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.builders import Clock
from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script
from writeit.adapters.memory.projection_store import InMemoryProjectionStore
from writeit.application.hub import StreamHub
from writeit.application.recovery import recover_dead_sessions
from writeit.application.repository import PipelineRepository
from writeit.domain.errors import CandidateStateError

SLOW = {"slow": Script(chunks=tuple("abcdef"), delay=0.2)}


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


async def test_opening_the_store_interrupts_dead_sessions_candidates_with_no_service_and_no_client(
    tmp_path: Path,
) -> None:
    dead = world(tmp_path, SLOW, session="dead")
    view = await dead.service.start("three", {"topic": "x"})
    lost = (await dead.service.generate(view.id, models=["slow"])).candidate_ids
    live = world(tmp_path, SLOW, store=dead.store, session="live")
    other = await live.service.start("three", {"topic": "y"})
    running = await live.service.generate(other.id, models=["slow"])
    repo = PipelineRepository(dead.store, StreamHub(), InMemoryProjectionStore())
    alive = frozenset({"live"}).__contains__
    assert await recover_dead_sessions(repo, alive, Clock()) == {view.id: list(lost)}
    statuses = {c.id: c.status for c in (await repo.load(view.id)).candidates.values()}
    assert statuses == dict.fromkeys(lost, "interrupted")
    assert await recover_dead_sessions(repo, alive, Clock()) == {}
    await running.wait()
    await dead.service.cancel_all()
