"""The original WriteIt format's extras: keys kept but unused (reported as notes) and list forms of inputs/steps."""

from __future__ import annotations

from typing import Any

from writeit.adapters.templates.yamldoc import YamlDoc

# Keys the original WriteIt wrote that this WriteIt keeps in the file but does not act on. They are shown as
# notes by `templates validate`/`show`, never refused: a file of the original format loads unchanged.
IGNORED_METADATA = ("created", "updated", "estimated_time", "word_count_target", "category", "difficulty", "license")
IGNORED_INPUT = ("validation",)
IGNORED_STEP = ("selection_prompt", "validation", "ui", "ui_config", "parallel", "retry_config", "timeout_seconds")
# The original's docs call a choice input `select`.
INPUT_TYPE_ALIASES = {"select": "choice"}
# A list entry is named by its `key`, else `id`, else `name` (the original's docs use `- name: topic`).
_NAME_FIELDS = ("key", "id", "name")


def note_ignored(doc: YamlDoc, fields: dict[str, Any], path: str, ignored: tuple[str, ...]) -> None:
    for key in fields:
        if key in ignored:
            doc.note(f"{path}.{key}", f"'{key}' is kept but not used by WriteIt (ignored)")


def list_as_mapping(doc: YamlDoc, raw: list[Any], path: str) -> dict[str, Any]:
    """`inputs`/`steps` written as a list of entries → the mapping form, each entry's lines moved to its name."""
    result: dict[str, Any] = {}
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        name_field = next((f for f in _NAME_FIELDS if isinstance(item, dict) and f in item), None)
        if name_field is None:
            doc.problem(where, f"each entry of `{path}` needs a `key` (or `name`) naming it")
            continue
        body = dict(item)
        # A step's `name` is also its display name; anywhere else the naming field is not part of the entry.
        name = str(body[name_field] if (name_field, path) == ("name", "steps") else body.pop(name_field))
        if name in result:
            doc.problem(where, f"'{name}' is named twice in `{path}`; give each entry its own name")
            continue
        _move_lines(doc, where, f"{path}.{name}")
        result[name] = body
    return result


def _move_lines(doc: YamlDoc, old: str, new: str) -> None:
    def moved(table: dict[str, Any]) -> dict[str, Any]:
        return {new + p[len(old) :]: v for p, v in table.items() if p == old or p.startswith((f"{old}.", f"{old}["))}

    doc.lines.update(moved(doc.lines))
    doc.text_lines.update(moved(doc.text_lines))
    doc.spans.update(moved(doc.spans))
