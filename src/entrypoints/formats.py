"""Export formats shared by every interface: Markdown with front-matter, or the whole history as JSON or YAML."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

import yaml

from writeit.application.export import HISTORY_FORMAT

if TYPE_CHECKING:
    from writeit.application.service import PipelineService

Format = Literal["markdown", "json", "yaml", "jsonl"]
FORMATS: tuple[Format, ...] = ("markdown", "json", "yaml", "jsonl")
MEDIA_TYPES: dict[Format, str] = {
    "markdown": "text/markdown; charset=utf-8",
    "json": "application/json",
    "yaml": "application/yaml",
    "jsonl": "application/x-ndjson",
}
SUFFIXES: dict[Format, str] = {"markdown": ".md", "json": ".json", "yaml": ".yaml", "jsonl": ".jsonl"}


def history_json(history: dict[str, Any]) -> str:
    return json.dumps(history, ensure_ascii=False, indent=2) + "\n"


def history_jsonl(history: dict[str, Any]) -> str:
    """The events alone, one JSON record per line: the stream itself, appendable and greppable."""
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in history["events"])


class HistoryFormatError(ValueError):
    """The text is neither a JSON history document nor JSON lines of events; the message says where."""


def parse_history(text: str) -> dict[str, Any]:
    """A history from either export: the JSON document, or JSON lines of events (wrapped the same way)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise HistoryFormatError(f"{exc.lineno}: not valid JSON ({exc.msg})") from None
        return {"format": HISTORY_FORMAT, "events": _json_lines(text)}
    except (ValueError, RecursionError) as exc:  # a number of more than 4,300 digits, nesting too deep
        raise HistoryFormatError(f"1: not a WriteIt history ({type(exc).__name__})") from None
    if isinstance(document, dict) and "format" in document:
        return document
    if isinstance(document, dict):
        return {"format": HISTORY_FORMAT, "events": [document]}  # a stream of one event
    raise HistoryFormatError("1: not a WriteIt history (a JSON object or JSON lines of events)")


def _json_lines(text: str) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise HistoryFormatError(f"{number}: not a JSON event record ({exc.msg})") from None
        except (ValueError, RecursionError) as exc:
            raise HistoryFormatError(f"{number}: not a JSON event record ({type(exc).__name__})") from None
    return records


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
    writers = {"json": history_json, "yaml": history_yaml, "jsonl": history_jsonl}
    return writers[fmt](history)
