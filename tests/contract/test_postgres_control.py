"""What workers tell each other through a real PostgreSQL: leases that lapse, cancel requests that reach only
the session they name, and the wake-up the event store's NOTIFY gives a follower."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable, Callable, Iterator

import pytest

from tests.contract.event_store_contract import stream
from writeit.adapters.postgres.control import PostgresCancelRequests, PostgresLeases, PostgresWakeup
from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.event_store import PostgresEventStore
from writeit.adapters.postgres.listener import Listener
from writeit.application.liveness import Liveness

_names = itertools.count()


@pytest.fixture
def database(postgres_url: str) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(postgres_url, f"ctl{os.getpid()}-{next(_names)}").open()
    try:
        yield database
    finally:
        database.close()


async def test_a_lease_not_renewed_in_time_lapses_and_a_released_one_is_forgotten(database: PostgresDatabase) -> None:
    leases = PostgresLeases(database)
    await leases.renew("host-a:1:1", 3600)
    await leases.renew("host-b:2:2", 0.001)
    await asyncio.sleep(0.05)
    assert await leases.lapsed() == {"host-b:2:2"}
    await leases.renew("host-b:2:2", 3600)  # renewed after all: alive again
    assert await leases.lapsed() == set()
    await leases.renew("host-a:1:1", 0.001)
    await asyncio.sleep(0.05)
    await leases.release("host-a:1:1")
    assert await leases.lapsed() == set()


async def test_liveness_trusts_the_lease_for_another_hosts_session_and_never_reports_its_own_as_lapsed(
    database: PostgresDatabase,
) -> None:
    leases = PostgresLeases(database)
    await leases.renew("other:7:7", 0.001)
    mine = Liveness(lambda session: None, "me:1:1", leases, seconds=0.001)
    await asyncio.sleep(0.05)
    await mine.beat()  # renews its own lease for a millisecond: lapsed when read, but never its own
    assert not mine("other:7:7")
    assert mine("me:1:1")
    assert mine("never-leased:3:3")  # no lease at all (an older WriteIt): assumed alive, as before
    local = Liveness(lambda session: session == "here:1:1", "me:1:1", leases)
    assert local("here:1:1")  # a session of this host: its process decides
    assert not local("here:2:2")


async def test_a_cancel_request_reaches_the_process_of_the_session_it_names_and_no_other(
    database: PostgresDatabase,
) -> None:
    listeners = [Listener(database), Listener(database)]
    requests = [PostgresCancelRequests(database, listener) for listener in listeners]
    heard: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()

    def on_cancel(name: str) -> Callable[[str, str], Awaitable[None]]:
        async def cancel(pipeline_id: str, candidate_id: str) -> None:
            heard.put_nowait((name, pipeline_id, candidate_id))

        return cancel

    try:
        for listener, name, channel in zip(listeners, "ab", requests, strict=True):
            channel.bind(f"host:{name}", on_cancel(name))
            assert listener.start().wait_listening()
        await requests[0].request("host:b", "p1", "c1")
        await requests[1].request("host:nobody", "p2", "c2")  # nobody's: dropped
        await requests[1].request("host:b", "p3", "c3")
        async with asyncio.timeout(30):
            assert [await heard.get(), await heard.get()] == [("b", "p1", "c1"), ("b", "p3", "c3")]
        await requests[0].request("host:a", "p4", "c4")  # sent after the others: nothing else came before it
        async with asyncio.timeout(30):
            assert await heard.get() == ("a", "p4", "c4")
    finally:
        for listener in listeners:
            listener.close()


async def test_an_append_by_another_store_wakes_a_waiting_follower(database: PostgresDatabase) -> None:
    listener = Listener(database)
    wakeup = PostgresWakeup(database, listener)
    writer = PostgresEventStore(database)
    try:
        assert listener.start().wait_listening()
        waiting = asyncio.create_task(wakeup.wait(3600))
        await asyncio.sleep(0)  # it waits now
        await writer.append("p1", stream("p1", 2), 0)
        async with asyncio.timeout(30):  # an hour's wait unless the NOTIFY woke it
            await waiting
    finally:
        writer.close()
        listener.close()
