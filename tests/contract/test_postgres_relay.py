"""Token chunks across workers on PostgreSQL: what one hub publishes reaches another's subscribers, in order,
split under NOTIFY's payload limit, and each once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.relay import RelayedHub
from writeit.application.hub import Subscription, TokenMessage

from .test_postgres_stores import database  # noqa: F401  # the fixture: a schema of its own


@pytest.fixture
def hubs(database: PostgresDatabase) -> Iterator[tuple[RelayedHub, RelayedHub]]:  # noqa: F811
    a, b = RelayedHub(database), RelayedHub(database)
    try:
        assert a.wait_listening()
        assert b.wait_listening()
        yield a, b
    finally:
        a.close()
        b.close()


async def received(subscription: Subscription, count: int) -> list[TokenMessage]:
    messages: list[TokenMessage] = []
    async with asyncio.timeout(10):
        while len(messages) < count:
            message = await subscription.queue.get()
            assert isinstance(message, TokenMessage)
            messages.append(message)
    return messages


async def test_chunks_published_on_one_hub_reach_the_other_in_order_each_once(
    hubs: tuple[RelayedHub, RelayedHub],
) -> None:
    a, b = hubs
    big = 'ünïcödé ✍️ 写作 "q" \\ \n' * 1_000  # 21,000 characters, 33 kB: far past one NOTIFY's 8 kB
    with a.subscribe("p1") as mine, b.subscribe("p1") as theirs, b.subscribe("p2") as other:
        for n in range(200):
            a.publish_chunk("p1", "c1", f"w{n} ")
        a.publish_reset("p1", "c1")
        a.publish_chunk("p1", "c1", big)
        got = await received(theirs, 200 + 1 + 21)  # the big one in pieces of 1,000 characters
        await asyncio.sleep(0.2)  # anything sent twice, or to another pipeline, would be here by now
        assert theirs.queue.empty()
        assert other.queue.empty()
        assert mine.queue.qsize() == 202  # its own, once: not again from the server
    assert "".join(m.text for m in got[:200]) == "".join(f"w{n} " for n in range(200))
    assert got[200] == TokenMessage("p1", "c1", "", reset=True)
    assert "".join(m.text for m in got[201:]) == big
