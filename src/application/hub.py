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


class StreamHub:
    """Subscribers per pipeline; publishing never blocks (chunks must not slow the models down)."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[Subscription]] = defaultdict(set)

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
            self.publish(event.pipeline_id, EventMessage(event))

    def publish_chunk(self, pipeline_id: str, candidate_id: str, text: str) -> None:
        if pipeline_id in self._subscribers:
            self.publish(pipeline_id, TokenMessage(pipeline_id, candidate_id, text))

    def publish_reset(self, pipeline_id: str, candidate_id: str) -> None:
        """Tell subscribers to clear what they have of the candidate's text (it restarts)."""
        if pipeline_id in self._subscribers:
            self.publish(pipeline_id, TokenMessage(pipeline_id, candidate_id, "", reset=True))
