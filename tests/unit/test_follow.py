"""follow(pipeline_id, after): the stored events after `after`, then live ones, each exactly once, with chunks."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script
from writeit.application.errors import PipelineNotFoundError
from writeit.application.hub import EventMessage, Message, TokenMessage


async def test_following_yields_stored_then_live_events_each_once_in_order(tmp_path: Path) -> None:
    w = world(tmp_path, {"slow": Script(chunks=("a ", "b ", "c"), delay=0.01)})
    view = await w.service.start("three", {"topic": "LMDB"})
    messages: list[Message] = []
    with await w.service.follow(view.id[:6], after=0) as following:
        generation = await w.service.generate(view.id, models=["slow"])

        async def take() -> None:
            async for message in following:
                messages.append(message)

        taking = asyncio.create_task(take())
        await generation.wait()
        await asyncio.sleep(0.05)
        taking.cancel()
    seqs = [m.event.seq for m in messages if isinstance(m, EventMessage)]
    assert seqs == list(range(1, await w.store.version(view.id) + 1))
    texts: dict[str, str] = {}
    for m in messages:
        if isinstance(m, TokenMessage):
            texts[m.candidate_id] = texts.get(m.candidate_id, "") + m.text
    assert texts == dict.fromkeys(generation.candidate_ids, "a b c")


async def test_an_event_published_out_of_order_is_preceded_by_the_gap_read_from_the_store(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    with await w.service.follow(view.id, after=view.version) as following:
        await w.service.give_feedback(view.id, "angles", "one")
        await w.service.give_feedback(view.id, "angles", "two")
        stored = await w.store.read(view.id)
        w.hub.publish(view.id, EventMessage(stored[-1]))  # as if the earlier one were lost on the way
        seen: list[int] = []
        async for message in following:
            assert isinstance(message, EventMessage)
            seen.append(message.event.seq)
            if len(seen) == 2:
                break
    assert seen == [view.version + 1, view.version + 2]


async def test_waiting_messages_are_drained_once_without_waiting(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    with await w.service.follow(view.id, after=view.version) as following:
        await w.service.give_feedback(view.id, "angles", "one")
        w.hub.publish_chunk(view.id, "c", "text")
        assert following.ready() is None  # the event is held back for the iterator
        drained = following.drain()
        assert [type(m).__name__ for m in drained] == ["EventMessage", "TokenMessage"]
        assert following.idle
        assert following.drain() == []


async def test_following_an_unknown_pipeline_is_refused(tmp_path: Path) -> None:
    w = world(tmp_path)
    with pytest.raises(PipelineNotFoundError):
        await w.service.follow("0" * 32)
