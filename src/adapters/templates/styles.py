"""Style primers: YAML files (voice, tone, structure...) found by name, earlier directories shadowing later ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from writeit.adapters.templates.references import STYLE_FIELDS
from writeit.adapters.templates.renderer import empty_style
from writeit.adapters.templates.yamldoc import YamlDoc, parse_yaml, read_text_file
from writeit.application.errors import TemplateNotFoundError
from writeit.domain.errors import TemplateInvalidError

SUFFIXES = (".yaml", ".yml")
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
        """The primer's fields, each as text; raises StyleNotFoundError, TemplateInvalidError."""
        path = self._find(name)
        if path is None:
            raise StyleNotFoundError(name, [str(d) for d in self._dirs])
        doc = parse_yaml(read_text_file(path, str(path)), str(path))
        primer = _primer(doc, path.stem)
        if doc.problems:
            raise TemplateInvalidError(doc.problems)
        return primer

    def primer(self, name: str) -> dict[str, str]:
        """Like `get`, but an unknown (or empty) name gives an empty primer: a free-text style still renders."""
        if not name or self._find(name) is None:
            return empty_style(name)
        return self.get(name)

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
    if not isinstance(doc.value, dict):
        doc.problem("", f"a style primer must be a mapping of: {', '.join(STYLE_FIELDS)}")
        return empty_style(stem)
    primer = empty_style(stem)
    for key, raw in doc.value.items():
        if key not in STYLE_FIELDS:
            doc.problem(key, f"unknown key '{key}' (expected one of: {', '.join(STYLE_FIELDS)})")
        else:
            primer[key] = _field_text(doc, key, raw)
    return primer


def _field_text(doc: YamlDoc, key: str, raw: Any) -> str:
    """A field as prompt text: lists become "- item" lines so they read well inside a prompt."""
    if raw is None:
        return ""
    if isinstance(raw, list) and not any(isinstance(item, dict | list) for item in raw):
        return "\n".join(f"- {item}" for item in raw)
    if isinstance(raw, dict | list):
        doc.problem(key, "must be text or a list of lines")
        return ""
    return str(raw).strip()
