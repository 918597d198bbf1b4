"""Recovery on opening the store: the pending candidates of processes that are gone are marked interrupted.

It needs no service: at open nothing runs in this process yet, so a pending candidate is orphaned exactly when
its session's process is dead. It runs before the services exist (their settings may still be overridden).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from writeit.application.errors import VersionConflictError
from writeit.application.repository import PipelineRepository

_ATTEMPTS = 5  # another process changing the same pipeline meanwhile: load again and retry


async def recover_dead_sessions(
    repo: PipelineRepository, is_alive: Callable[[str], bool], clock: Callable[[], datetime]
) -> dict[str, list[str]]:
    """Interrupt every pending candidate whose process is gone; {pipeline id: candidate ids interrupted}."""
    recovered: dict[str, list[str]] = {}
    for pipeline_id, sessions in (await repo.pending_sessions()).items():
        if all(is_alive(session) for session in sessions):
            continue
        for _ in range(_ATTEMPTS):
            pipeline = await repo.load(pipeline_id)
            dead = [c.id for c in pipeline.pending_candidates() if not is_alive(c.session)]
            for candidate_id in dead:
                pipeline.interrupt_candidate(candidate_id, clock())
            try:
                await repo.save(pipeline)
            except VersionConflictError:
                continue  # the save evicted the aggregate: the next load is the store's
            if dead:
                recovered[pipeline_id] = dead
            break
    return recovered
