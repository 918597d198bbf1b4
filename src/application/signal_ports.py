"""The ports through which processes sharing a store signal each other: cancel requests, leases, wake-ups."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


class CancelRequests(Protocol):
    """A way to ask the process of another session (another worker) to stop a candidate it runs."""

    async def request(self, session: str, pipeline_id: str, candidate_id: str) -> None:
        """Send the request; it does not wait for the candidate to stop. Raises StoreError when sending fails."""
        ...

    def bind(self, session: str, on_cancel: Callable[[str, str], Awaitable[object]]) -> None:
        """From now on, the requests for `session` run `on_cancel(pipeline id, candidate id)` on this loop."""
        ...

    def unbind(self) -> None: ...


class Leases(Protocol):
    """Each process's lease, renewed while it runs: a session whose lease lapsed has no process any more."""

    async def renew(self, session: str, seconds: float) -> None:
        """Hold `session`'s lease for `seconds` from now (the store's clock). Raises StoreError on failure."""
        ...

    async def lapsed(self) -> builtins.set[str]:
        """The sessions whose lease has run out."""
        ...

    async def release(self, session: str) -> None:
        """Give the lease up (a clean stop): the session is then neither alive nor lapsed."""
        ...


class Wakeup(Protocol):
    """Tells a follower of the log that something was appended, so it need not poll often."""

    async def wait(self, longest: float) -> None:
        """Return when an append was announced since the last call, or after `longest` seconds."""
        ...


@dataclass(frozen=True, slots=True)
class Signals:
    """What the processes sharing a store tell each other beyond its events (none of it on LMDB)."""

    cancels: CancelRequests | None = None
    wakeup: Wakeup | None = None
    leases: Leases | None = None
