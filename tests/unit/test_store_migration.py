"""Copying a store: the global order and positions are kept, a non-empty target is refused, a difference named."""

from __future__ import annotations

import pytest

from tests.contract.event_store_contract import selected, stream
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.application.errors import StoreError
from writeit.application.migration import copy_events, verify_equal


async def interleaved() -> InMemoryEventStore:
    source = InMemoryEventStore()
    await source.append("b", stream("b", 2), 0)
    await source.append("a", stream("a", 1), 0)
    await source.append("b", stream("b", 2, first=3), 2)
    return source


async def test_a_copy_keeps_every_event_at_its_global_position() -> None:
    source, target = await interleaved(), InMemoryEventStore()
    copied = await copy_events(source, target)
    assert (copied.pipelines, copied.events) == (2, 5)
    assert await target.read_all() == await source.read_all()
    assert await target.pipeline_ids() == ["b", "a"]


async def test_a_target_that_holds_events_is_refused_and_left_as_it_was() -> None:
    target = InMemoryEventStore()
    await target.append("z", stream("z", 1), 0)
    with pytest.raises(StoreError, match="already holds events"):
        await copy_events(await interleaved(), target)
    assert [e.event.pipeline_id for e in await target.read_all()] == ["z"]


async def test_a_copy_that_differs_is_reported_with_the_first_position_that_differs() -> None:
    source, other = await interleaved(), InMemoryEventStore()
    await other.append("b", stream("b", 1), 0)
    await other.append("b", [selected("b", 2, "not-the-same")], 1)
    with pytest.raises(StoreError, match="position 2"):
        await verify_equal(source, other)
    shorter = InMemoryEventStore()
    await shorter.append("b", stream("b", 2), 0)
    with pytest.raises(StoreError, match="has 2 events after position 0, the source 5"):
        await verify_equal(source, shorter)
