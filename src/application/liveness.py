"""Whether the session that started a pending candidate still runs, and, with leases, noticing when one stops.

On this host a session's process is checked directly (exact, at once). A session of another host is alive while
its lease holds: each process renews its own every third of the period, and every process looks at the others'
as often; the candidates of a session whose lease lapsed are marked interrupted without anyone asking, so the
step can be generated again. Without leases (LMDB: one host) another host's session is assumed alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from writeit.application.errors import ApplicationError
from writeit.application.ports import Leases
from writeit.application.recovery import recover_dead_sessions
from writeit.application.repository import PipelineRepository
from writeit.domain.errors import DomainError

LEASE_SECONDS = 30.0
log = logging.getLogger("writeit.recovery")
LocalCheck = Callable[[str], bool | None]  # True/False for a session of this host, None for another host's


class Liveness:
    """Callable as `is_alive(session)`; `run` keeps this process's lease and reaps the lapsed ones."""

    def __init__(
        self, local: LocalCheck, session: str, leases: Leases | None = None, seconds: float = LEASE_SECONDS
    ) -> None:
        self._local = local
        self.session = session
        self._leases = leases
        self.seconds = seconds
        self._lapsed: frozenset[str] = frozenset()
        self._reaped: frozenset[str] = frozenset()  # lapsed sessions whose candidates were interrupted

    def __call__(self, session: str) -> bool:
        known = self._local(session)
        if known is not None:
            return known
        return session not in self._lapsed

    async def beat(self) -> None:
        """Renew this process's lease and read which have lapsed."""
        if self._leases is not None:
            await self._leases.renew(self.session, self.seconds)
            self._lapsed = frozenset(await self._leases.lapsed()) - {self.session}

    async def reap(self, repo: PipelineRepository, clock: Callable[[], datetime]) -> None:
        """Interrupt the pending candidates of the sessions that lapsed since the last reap."""
        lapsed = self._lapsed
        if lapsed - self._reaped:
            await recover_dead_sessions(repo, self, clock)
        self._reaped = lapsed

    async def run(self, repo: PipelineRepository, clock: Callable[[], datetime]) -> None:
        """Until cancelled: beat every third of the period; interrupt the candidates of newly lapsed sessions."""
        if self._leases is None:
            return
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                await self.beat()
                await self.reap(repo, clock)
            except (ApplicationError, DomainError) as exc:  # the store away for a moment: the next beat retries
                log.warning("lease: %s", exc)

    async def release(self) -> None:
        if self._leases is not None:
            with contextlib.suppress(ApplicationError):
                await self._leases.release(self.session)
