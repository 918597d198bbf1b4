"""Style primers: YAML files (voice, tone, structure...) found by name, earlier directories shadowing later ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from writeit.adapters.templates.renderer import empty_style
from writeit.adapters.templates.yamldoc import YamlDoc, parse_yaml, read_text_file
from writeit.application.errors import TemplateNotFoundError
from writeit.domain.errors import Problem, TemplateInvalidError
from writeit.domain.template import STYLE_FIELDS

SUFFIXES = (".yaml", ".yml")
# The original WriteIt nests tone under voice and calls vocabulary "language": a missing field is taken from there.
_FALLBACKS = {"tone": ("voice", "tone"), "vocabulary": ("language", None)}
# A name is a file stem and nothing more: no separators, no "..", so a lookup never leaves its directory.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\Z")


class StyleNotFoundError(TemplateNotFoundError):
    def __init__(self, name: str, searched: list[str]) -> None:
        super().__init__(name, searched)
        self.args = (f"no style '{name}' (looked in: {', '.join(searched)})",)


def yaml_files(directory: Path) -> list[Path]:
    """The directory's *.yaml and *.yml files by name (.yaml first for a stem with both); [] if it is missing."""
    if not directory.is_dir():
        return []
    found = [path for path in directory.iterdir() if path.suffix in SUFFIXES and path.is_file()]
    return sorted(found, key=lambda path: (path.stem, SUFFIXES.index(path.suffix)))


class StyleLibrary:
    """The primers in `dirs`, searched in order."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        self._dirs = [Path(d) for d in dirs]

    def names(self) -> list[str]:
        """Every primer name, each once, sorted."""
        return sorted({path.stem for directory in self._dirs for path in yaml_files(directory)})

    def get(self, name: str) -> dict[str, str]:
        """Every section of the primer as text (those prompts do not use too, after them); raises
        StyleNotFoundError, TemplateInvalidError."""
        path = self._find(name)
        if path is None:
            raise StyleNotFoundError(name, [str(d) for d in self._dirs])
        doc = parse_yaml(read_text_file(path, str(path)), str(path))
        primer = _primer(doc, path.stem)
        if doc.problems:
            raise TemplateInvalidError(doc.problems)
        return primer

    def primer(self, name: str) -> dict[str, str]:
        """The fields prompts use (`style.*`); an empty name gives an empty primer, an unknown one is refused."""
        if not name:
            return empty_style(name)
        if self._find(name) is None:
            known = ", ".join(self.names()) or "none"
            raise TemplateInvalidError([Problem(f"no style '{name}' (styles: {known})", field="style")])
        return {key: value for key, value in self.get(name).items() if key in STYLE_FIELDS}

    def _find(self, name: str) -> Path | None:
        if not SAFE_NAME.match(name):
            return None
        for directory in self._dirs:
            for suffix in SUFFIXES:
                path = directory / f"{name}{suffix}"
                if path.is_file():
                    return path
        return None


def _primer(doc: YamlDoc, stem: str) -> dict[str, str]:
    """Our flat primers and the original's (a `metadata` section, nested sections, sections of its own)."""
    if not isinstance(doc.value, dict):
        doc.problem("", f"a style primer must be a mapping of: {', '.join(STYLE_FIELDS)}")
        return empty_style(stem)
    fields = dict(doc.value)
    metadata = fields.pop("metadata", None)
    if metadata is not None and not isinstance(metadata, dict):
        doc.problem("metadata", "`metadata` must be a mapping (name, description, ...)")
    elif metadata:
        for key in ("name", "description"):
            fields.setdefault(key, metadata.get(key))
    for key, (section, inner) in _FALLBACKS.items():
        source = fields.get(section)
        if fields.get(key) is None and source is not None:
            fields[key] = source.get(inner) if inner and isinstance(source, dict) else None if inner else source
    primer = empty_style(stem)
    for key, raw in fields.items():
        primer[str(key)] = field_text(raw)
    primer["name"] = primer["name"] or stem
    return primer


def field_text(raw: Any, indent: str = "") -> str:
    """A section as prompt text: lists become "- item" lines, mappings "key: value" lines, nested by indent."""
    if raw is None:
        return ""
    if isinstance(raw, list):
        return "\n".join(f"{indent}-{_inline(item, indent)}" for item in raw)
    if isinstance(raw, dict):
        return "\n".join(f"{indent}{key}:{_inline(value, indent)}" for key, value in raw.items())
    return str(raw).strip()


def _inline(value: Any, indent: str) -> str:
    if isinstance(value, dict | list):
        return "\n" + field_text(value, indent + "  ")
    text = "" if value is None else str(value).strip()
    return " " + text.replace("\n", "\n" + indent + "  ") if text else ""
