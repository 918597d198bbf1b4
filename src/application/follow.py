"""Following a pipeline: its stored events after a seq, then live ones, each exactly once, with token chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from writeit.application.hub import EventMessage, Message, Subscription
from writeit.domain.events import Event

ReadAfter = Callable[[str, int], Awaitable[list[Event]]]


class Following:
    """Iterate it for messages: every stored event with a seq above `after`, in order and once, whether it was
    stored before, while or after following began (subscribed first, read second: none falls between), and
    the token chunks as models produce them. Close it (or leave its `with` block) when done."""

    def __init__(self, subscription: Subscription, read_after: ReadAfter, after: int) -> None:
        self._subscription = subscription
        self._read_after = read_after
        self.sent = after  # the seq of the last event yielded
        self._held: Message | None = None
        self.pipeline_id = subscription.pipeline_id

    def __enter__(self) -> Following:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._subscription.close()

    @property
    def idle(self) -> bool:
        """Nothing is waiting to be taken: the next message is still to come."""
        return self._held is None and self._subscription.queue.empty()

    def ready(self) -> Message | None:
        """The next message if one is waiting (an event is held back, to be yielded through the iterator)."""
        if self._held is not None or self._subscription.queue.empty():
            return None
        message = self._subscription.queue.get_nowait()
        if isinstance(message, EventMessage):
            self._held = message
            return None
        return message

    def drain(self) -> list[Message]:
        """Every message waiting now, without waiting for more (events not yielded yet, once each)."""
        drained: list[Message] = []
        while not self.idle:
            message = self._held or self._subscription.queue.get_nowait()
            self._held = None
            if isinstance(message, EventMessage):
                if message.event.seq <= self.sent:
                    continue
                self.sent = message.event.seq
            drained.append(message)
        return drained

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        for stored in await self._catch_up():
            yield stored
        while True:
            message: Message = self._held or await self._subscription.queue.get()
            self._held = None
            if not isinstance(message, EventMessage):
                yield message
                continue
            if message.event.seq > self.sent + 1:  # stored by someone who does not publish here: read the gap
                for missed in await self._catch_up():
                    yield missed
            if message.event.seq > self.sent:  # not yielded yet (by the catch-up, say)
                self.sent = message.event.seq
                yield message

    async def _catch_up(self) -> list[EventMessage]:
        events = await self._read_after(self._subscription.pipeline_id, self.sent)
        if events:
            self.sent = events[-1].seq
        return [EventMessage(e) for e in events]
