"""Writing an export to a file from the step view: the article as Markdown, or the history (JSON, YAML, lines)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from writeit.application.views import PipelineView, file_stem
from writeit.entrypoints.tui.guard import attempt, report
from writeit.entrypoints.tui.screens.dialogs import ExportRequest

if TYPE_CHECKING:
    from writeit.entrypoints.tui.screens.step_view import StepViewScreen


def default_stem(view: PipelineView) -> Path:
    """`<cwd>/<title slug>-<id prefix>`, without a suffix (the format adds it)."""
    return Path.cwd() / file_stem(view.inputs, view.template, view.id)


async def export_to(screen: StepViewScreen, request: ExportRequest | None) -> None:
    """Write the export the writer asked for: the same text as `writeit pipelines export` (the export query)."""
    if request is None:
        return
    export = screen.pipelines.export(
        screen.pipeline_id, request.format, branch=screen.branch, appendix=request.appendix
    )
    text = await attempt(screen, export, "export")
    if text is None:
        return
    try:
        await asyncio.to_thread(_write, request.path, text)
    except OSError as exc:
        report(screen, exc, "export")
        return
    screen.notify(f"Exported to {request.path}", title="export", markup=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
