"""Where the export formats were read before they moved into the application; kept for callers written then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from writeit.application.export_formats import FORMATS, MEDIA_TYPES, SUFFIXES, Format
from writeit.application.history_text import (
    HistoryFormatError,
    history_json,
    history_jsonl,
    parse_history,
)

if TYPE_CHECKING:
    from writeit.application.service import PipelineService

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "SUFFIXES",
    "Format",
    "HistoryFormatError",
    "export_text",
    "history_json",
    "history_jsonl",
    "parse_history",
]


async def export_text(
    service: PipelineService,
    pipeline_id: str,
    fmt: Format,
    *,
    branch: str | None = None,
    appendix: bool = False,
) -> str:
    """The pipeline exported as `fmt`: the application's export query (PipelineQueries.export)."""
    return await service.export(pipeline_id, fmt, branch=branch, appendix=appendix)
