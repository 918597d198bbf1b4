"""Writing an export to a file from the step view: the article as Markdown, or the whole history as JSON."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from writeit.application.views import PipelineView
from writeit.entrypoints.tui.guard import attempt, report
from writeit.entrypoints.tui.screens.dialogs import ExportRequest

if TYPE_CHECKING:
    from writeit.entrypoints.tui.screens.step_view import StepViewScreen


def default_stem(view: PipelineView) -> Path:
    """`<cwd>/<title slug>-<id prefix>`, without a suffix (the format adds it)."""
    title = str(view.inputs.get("topic") or view.inputs.get("title") or view.template)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48] or "article"
    return Path.cwd() / f"{slug}-{view.id[:8]}"


async def export_to(screen: StepViewScreen, request: ExportRequest | None) -> None:
    if request is None:
        return
    pipelines, pipeline_id = screen.pipelines, screen.pipeline_id
    if request.format == "json":
        history = await attempt(screen, pipelines.export_history(pipeline_id), "export")
        text = None if history is None else json.dumps(history, ensure_ascii=False, indent=2, default=str) + "\n"
    else:
        text = await attempt(screen, pipelines.export_markdown(pipeline_id, appendix=request.appendix), "export")
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
