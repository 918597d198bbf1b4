"""In-process fan-out of a pipeline's live messages (persisted events and transient token chunks)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

from writeit.domain.events import Event


@dataclass(frozen=True, slots=True)
class EventMessage:
    event: Event


@dataclass(frozen=True, slots=True)
class TokenMessage:
    """A piece of a candidate's text. With `reset`, the text so far is void (a retry or a fallback restarted
    the answer): clear it; the chunks that follow build the answer anew."""

    pipeline_id: str
    candidate_id: str
    text: str
    reset: bool = False


Message = EventMessage | TokenMessage


class Subscription:
    """One subscriber's queue; iterate it, and close it (or leave the `with` block) when done."""

    def __init__(self, hub: StreamHub, pipeline_id: str) -> None:
        self._hub = hub
        self.pipeline_id = pipeline_id
        self.queue: asyncio.Queue[Message] = asyncio.Queue()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._hub.unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        while True:
            yield await self.queue.get()


_MAX_ABOVE = 256


class _Sent:
    """The seqs of a pipeline sent out: all up to `upto`, and those above it (until the gap below them fills).

    A gap that stays (events stored before this process followed the log) is given up once 256 seqs wait
    above it, which bounds the memory; the follower fills a live gap within a poll.
    """

    __slots__ = ("above", "highest", "upto")

    def __init__(self) -> None:
        self.upto = 0
        self.highest = 0
        self.above: set[int] = set()

    def add(self, seq: int) -> bool:
        if seq <= self.upto or seq in self.above:
            return False
        self.highest = max(self.highest, seq)
        self.above.add(seq)
        if len(self.above) > _MAX_ABOVE:
            self.upto = min(self.above) - 1
        while self.upto + 1 in self.above:
            self.upto += 1
            self.above.discard(self.upto)
        return True


class StreamHub:
    """Subscribers per pipeline; publishing never blocks (chunks must not slow the models down).

    Events reach the hub twice when this process stored them (from the save, then from the log follower):
    each goes out once, whichever comes first. A pipeline's events go out in seq order: when this process
    stores one just after another process did, the repository publishes the other's (which it read to catch
    up) first, so the follower's copy a poll later is a repeat. The one exception is a pipeline this hub has
    sent nothing of yet: what it published before is unknown, and `follow()` reads such a gap from the store.
    """

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._published: dict[str, _Sent] = {}

    def subscribe(self, pipeline_id: str) -> Subscription:
        subscription = Subscription(self, pipeline_id)
        self._subscribers[pipeline_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscribers.get(subscription.pipeline_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.pipeline_id]

    def publish(self, pipeline_id: str, message: Message) -> None:
        for subscription in self._subscribers.get(pipeline_id, ()):
            subscription.queue.put_nowait(message)

    def publish_events(self, events: list[Event]) -> None:
        for event in events:
            sent = self._published.setdefault(event.pipeline_id, _Sent())
            if sent.add(event.seq):  # False: already sent (by the save, or by the follower)
                self.publish(event.pipeline_id, EventMessage(event))

    def publish_caught_up(self, events: list[Event]) -> None:
        """Stored events a load read (another process's, maybe not brought by the follower yet): those above
        what the hub sent of their pipeline go out, so that an event stored next cannot overtake them."""
        if not events:
            return
        sent = self._published.get(events[0].pipeline_id)
        if sent is not None:
            self.publish_events([e for e in events if e.seq > sent.highest])

    def publish_chunk(self, pipeline_id: str, candidate_id: str, text: str) -> None:
        if pipeline_id in self._subscribers:
            self.publish(pipeline_id, TokenMessage(pipeline_id, candidate_id, text))

    def publish_reset(self, pipeline_id: str, candidate_id: str) -> None:
        """Tell subscribers to clear what they have of the candidate's text (it restarts)."""
        if pipeline_id in self._subscribers:
            self.publish(pipeline_id, TokenMessage(pipeline_id, candidate_id, "", reset=True))
