"""A merge asked in one process of a candidate another process is still generating: that text so far lives only
in the generating process (chunks are never stored), so the merge is refused saying where to merge it from."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script, ScriptLike
from writeit.domain.errors import CandidateStateError


@pytest.mark.parametrize("guided", [False, True], ids=["a model's merge", "a guided merge"])
async def test_merging_a_candidate_streaming_in_another_process_is_refused_naming_that_process(
    tmp_path: Path, guided: bool
) -> None:
    slow: dict[str, ScriptLike] = {"slow": Script(chunks=("so ", "far ", "and more"), delay=0.2), "paid": ["merged"]}
    first = world(tmp_path, slow, session="process-1")
    view = await first.service.start("three", {"topic": "x"})
    generation = await first.service.generate(view.id, models=["echo", "slow"])
    other = world(tmp_path, slow, session="process-2", store=first.store)  # the CLI, over the same store
    state = (await other.service.get(view.id)).step("angles")
    while sum(c.status == "completed" for c in state.candidates) < 2:  # echo's; slow's stream on
        await asyncio.sleep(0.01)
        state = (await other.service.get(view.id)).step("angles")
    done = [c.id for c in state.candidates if c.status == "completed"]
    streaming = [c.id for c in state.candidates if c.status == "pending"]
    assert done
    assert streaming
    before = await other.store.last_position()
    ids = [done[0], streaming[0]]
    merge = (
        other.service.guided.extract(view.id, "angles", ids, "paid")
        if guided
        else other.service.merge_by_model(view.id, "angles", ids, "combine", "paid")
    )
    with pytest.raises(CandidateStateError) as refused:
        await merge
    assert f"candidate '{streaming[0]}' is still generating in another process (process-1)" in str(refused.value)
    assert "merge from there" in str(refused.value)
    assert await other.store.last_position() == before
    assert not [r for r in other.models.requests if r.model_id == "paid"]
    await generation.wait()
