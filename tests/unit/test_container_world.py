"""The unit worlds are the production container with fakes put in by `override`, opened as writeit opens it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.unit.service_fixtures import world
from writeit.application.hub import EventMessage
from writeit.domain.events import CandidateSelected
from writeit.entrypoints.container import opened


async def test_a_world_opened_as_writeit_opens_its_store_hears_what_another_process_stores(tmp_path: Path) -> None:
    ours = world(tmp_path)
    theirs = world(tmp_path, store=ours.store, session="process-2")  # its own hub: a process of its own
    view = await theirs.service.start("three", {"topic": "LMDB"})
    await (await theirs.service.generate(view.id)).wait()
    first = (await theirs.service.get(view.id)).step("angles").candidates[0].id
    async with opened(ours.container):
        with ours.hub.subscribe(view.id) as heard:
            await theirs.service.select(view.id, "angles", first)
            async with asyncio.timeout(10):
                message = await heard.queue.get()
    assert isinstance(message, EventMessage)
    assert isinstance(message.event, CandidateSelected)
    assert message.event.candidate_id == first


async def test_a_world_uses_the_containers_services_on_its_fakes(tmp_path: Path) -> None:
    w = world(tmp_path, {"paid": ["a paid answer"]})
    assert w.container.pipelines() is w.service
    assert w.container.event_store() is w.store
    assert w.container.generator()._models is w.models
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id, models=["paid"])).wait()
    assert [r.model_id for r in w.models.requests] == ["paid", "paid"]
    assert len(await w.store.read(view.id)) > 1
