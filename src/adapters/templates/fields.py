"""Reading one template field as the type it must be (text, a name, a list, a flag, a count), problems recorded."""

from __future__ import annotations

from typing import Any

from writeit.adapters.templates.yamldoc import YamlDoc
from writeit.domain.template import brief


def mapping(doc: YamlDoc, raw: Any, path: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        doc.problem(path, f"`{path}` must be a mapping (key: value lines)")
        return {}
    return raw


def text(doc: YamlDoc, raw: Any, path: str) -> str:
    if raw is None:
        return ""
    if isinstance(raw, dict | list):
        doc.problem(path, "must be text, not a list or mapping")
        return ""
    return str(raw)


def text_list(doc: YamlDoc, raw: Any, path: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    return tuple(text(doc, item, f"{path}[{i}]" if isinstance(raw, list) else path) for i, item in enumerate(items))


def word(doc: YamlDoc, raw: Any, path: str) -> str:
    """Text that must have been written as text: a model id or a step type, never a number or a list."""
    if raw is None:
        return ""
    if not isinstance(raw, str) or not raw.strip():
        doc.problem(path, f"must be a non-empty text value (a name or model id), not {brief(repr(raw))}")
        return ""
    return raw


def word_list(doc: YamlDoc, raw: Any, path: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return () if raw is None else (word(doc, raw, path),)
    for i, item in enumerate(raw):
        if item is None:
            doc.problem(f"{path}[{i}]", "an empty entry (null): write a model id or step name, or remove the line")
    return tuple(word(doc, item, f"{path}[{i}]") for i, item in enumerate(raw) if item is not None)


def criteria_list(doc: YamlDoc, raw: Any, path: str) -> tuple[str, ...]:
    """What a judge scores a step on: a list of non-empty texts, each once."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        doc.problem(path, f"must be a list of criteria (non-empty texts), like [clarity, tone], not {brief(repr(raw))}")
        return ()
    found: list[str] = []
    for i, item in enumerate(raw):
        where = f"{path}[{i}]" if f"{path}[{i}]" in doc.lines else path
        if isinstance(item, str) and not item.strip():
            doc.problem(where, "an empty criterion: write what a judge scores, or remove the line")
        elif not isinstance(item, str):
            doc.problem(where, f"each criterion must be a text (what a judge scores), not {brief(repr(item))}")
        elif item.strip().casefold() in (f.casefold() for f in found):
            doc.problem(where, f"criterion '{brief(item)}' is listed twice")
        else:
            found.append(item.strip())
    return tuple(found)


def flag(doc: YamlDoc, raw: Any, path: str) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    doc.problem(path, f"must be true or false, not '{brief(raw)}'")
    return False


def count(doc: YamlDoc, raw: Any, path: str, default: int | None, limit: int | None = None) -> int | None:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1 or (limit is not None and raw > limit):
        bound = f"from 1 to {limit}" if limit else "of at least 1"
        doc.problem(path, f"must be a whole number {bound}, not '{brief(raw)}'")
        return default
    return raw
