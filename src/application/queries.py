"""The queries of a writing session, apart from the commands: views, summaries, events, exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from writeit.application import export
from writeit.application.document_ports import DocumentWriter
from writeit.application.export_formats import history_as, require_format
from writeit.application.handlers.context import StartedTemplates
from writeit.application.unit_of_work import UnitOfWork
from writeit.application.views import PipelineSummary, PipelineView, pipeline_view
from writeit.domain.events import Event


class PipelineQueries:
    def __init__(
        self,
        uow: UnitOfWork,
        templates: StartedTemplates,
        clock: Callable[[], datetime],
        yaml: DocumentWriter | None = None,
    ) -> None:
        self._uow = uow
        self._templates = templates
        self._clock = clock
        self._yaml = yaml

    async def get(self, pipeline_id: str, branch: str | None = None) -> PipelineView:
        """The pipeline as seen on `branch` (default: the current one); refuses an unknown id or branch."""
        pipeline = await self._uow.read(pipeline_id)
        return pipeline_view(pipeline, self._templates.of(pipeline), branch)

    async def summaries(self) -> list[PipelineSummary]:
        """From the summaries projection, caught up with the log: no pipeline is replayed to list them."""
        return await self._uow.repo.summaries()

    async def events(self, pipeline_id: str, after: int = 0) -> list[Event]:
        pipeline = await self._uow.read(pipeline_id)  # refuses an unknown id
        return await self._uow.repo.events(pipeline.id, after)

    async def export(self, pipeline_id: str, fmt: str, *, branch: str | None = None, appendix: bool = False) -> str:
        """The pipeline as `fmt`: Markdown (of `branch`, default the current one; `appendix`: with the candidates
        not taken) or the whole history (json, yaml, or its events as jsonl). Raises InvalidCommandError for an
        unknown format, before reading anything."""
        known = require_format(fmt)
        if known == "markdown":
            return await self.export_markdown(pipeline_id, branch, appendix=appendix)
        return history_as(await self.export_history(pipeline_id), known, self._yaml)

    async def export_markdown(self, pipeline_id: str, branch: str | None = None, *, appendix: bool = False) -> str:
        return export.markdown(await self.get(pipeline_id, branch), self._clock(), appendix=appendix)

    async def export_history(self, pipeline_id: str) -> dict[str, Any]:
        view = await self.get(pipeline_id)
        return export.history(view, await self.events(view.id))

    async def resolve_id(self, prefix: str) -> str:
        return await self._uow.repo.resolve_id(prefix)
