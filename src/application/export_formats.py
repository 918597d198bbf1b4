"""The export formats every interface offers, and the text of a history in each: one rule for them all."""

from __future__ import annotations

from typing import Any, Literal

from writeit.application.document_ports import DocumentWriter
from writeit.application.history_text import history_json, history_jsonl
from writeit.domain.errors import InvalidCommandError

Format = Literal["markdown", "json", "yaml", "jsonl"]
FORMATS: tuple[Format, ...] = ("markdown", "json", "yaml", "jsonl")
MEDIA_TYPES: dict[Format, str] = {
    "markdown": "text/markdown; charset=utf-8",
    "json": "application/json",
    "yaml": "application/yaml",
    "jsonl": "application/x-ndjson",
}
SUFFIXES: dict[Format, str] = {"markdown": ".md", "json": ".json", "yaml": ".yaml", "jsonl": ".jsonl"}


def require_format(fmt: str) -> Format:
    """`fmt` as a Format; raises InvalidCommandError naming the formats when it is none of them."""
    for known in FORMATS:
        if fmt == known:
            return known
    raise InvalidCommandError(f"unknown export format '{fmt[:40]}' (expected one of: {', '.join(FORMATS)})")


def history_as(history: dict[str, Any], fmt: Format, yaml: DocumentWriter | None) -> str:
    """The history as `fmt` (json, yaml or jsonl); `yaml` writes YAML, which the standard library cannot."""
    if fmt == "json":
        return history_json(history)
    if fmt == "jsonl":
        return history_jsonl(history)
    if fmt == "yaml" and yaml is not None:
        return yaml.dump(history)
    if fmt == "yaml":
        raise InvalidCommandError("YAML export is not available: no YAML writer was given to the application")
    raise InvalidCommandError(f"'{fmt}' is not a history format (json, yaml or jsonl)")
