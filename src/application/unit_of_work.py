"""One unit of work per command: take the pipeline's lock, load it, let the handler decide, save what it decided."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from writeit.application.errors import VersionConflictError
from writeit.application.repository import PipelineRepository
from writeit.domain.pipeline import Pipeline

Decision = Callable[[Pipeline, datetime], object]
RETRIES = 5  # a running generation's report that meets another process's append is tried again on fresh state


class UnitOfWork:
    """Commands on one pipeline run one at a time in this process; the store's expected version guards others.

    When the handler (or the store) refuses, nothing is recorded and the aggregate it changed is dropped from
    the repository's cache (the store is the truth): the next command loads it as stored.
    """

    def __init__(self, repo: PipelineRepository, clock: Callable[[], datetime]) -> None:
        self.repo = repo
        self.clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, pipeline_id: str) -> asyncio.Lock:
        return self._locks.setdefault(pipeline_id, asyncio.Lock())

    @asynccontextmanager
    async def pipeline(
        self, pipeline_id: str, expected_version: int | None = None, branch: str | None = None
    ) -> AsyncIterator[Pipeline]:
        """The pipeline, checked against what the caller saw; its new events are saved when the block ends."""
        pipeline_id = await self.repo.resolve_id(pipeline_id)
        async with self.lock(pipeline_id):
            pipeline = await self.repo.load(pipeline_id)
            try:
                if expected_version is not None and expected_version != pipeline.version:
                    raise VersionConflictError(pipeline.id, expected_version, pipeline.version)
                pipeline.require_branch(branch)
                yield pipeline
                await self.repo.save(pipeline)
            except BaseException:
                self._rollback(pipeline)
                raise

    async def read(self, pipeline_id: str) -> Pipeline:
        """The pipeline as stored; under the lock, as a command mid-append holds events not yet acknowledged."""
        pipeline_id = await self.repo.resolve_id(pipeline_id)
        async with self.lock(pipeline_id):
            return await self.repo.load(pipeline_id)

    async def record(self, pipeline_id: str, decide: Decision) -> None:
        """Record what a running generation reports, on fresh state when another process appended meanwhile."""
        for attempt in range(RETRIES):
            try:
                async with self.pipeline(pipeline_id) as pipeline:
                    decide(pipeline, self.clock())
                return
            except VersionConflictError:
                if attempt == RETRIES - 1:
                    raise

    def _rollback(self, pipeline: Pipeline) -> None:
        if pipeline.collect():
            self.repo.forget(pipeline.id)
