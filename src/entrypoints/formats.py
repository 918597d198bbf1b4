"""Export formats shared by every interface: Markdown with front-matter, or the whole history as JSON or YAML."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

import yaml

if TYPE_CHECKING:
    from writeit.application.service import PipelineService

Format = Literal["markdown", "json", "yaml"]
FORMATS: tuple[Format, ...] = ("markdown", "json", "yaml")
MEDIA_TYPES: dict[Format, str] = {
    "markdown": "text/markdown; charset=utf-8",
    "json": "application/json",
    "yaml": "application/yaml",
}
SUFFIXES: dict[Format, str] = {"markdown": ".md", "json": ".json", "yaml": ".yaml"}


def history_json(history: dict[str, Any]) -> str:
    return json.dumps(history, ensure_ascii=False, indent=2) + "\n"


def history_yaml(history: dict[str, Any]) -> str:
    # A JSON round trip first turns tuples and other containers into the plain lists safe_dump accepts.
    plain = json.loads(json.dumps(history, ensure_ascii=False))
    return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)


async def export_text(
    service: PipelineService,
    pipeline_id: str,
    fmt: Format,
    *,
    branch: str | None = None,
    appendix: bool = False,
) -> str:
    """The pipeline exported as `fmt`: Markdown (of `branch`, default the current one) or the full history."""
    if fmt == "markdown":
        return await service.export_markdown(pipeline_id, branch, appendix=appendix)
    history = await service.export_history(pipeline_id)
    return history_json(history) if fmt == "json" else history_yaml(history)
