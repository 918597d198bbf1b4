"""Merge recipes from YAML: `recipes.yaml` in the workspace, then in WriteIt's home, then the built-in ones.

A file maps each recipe's name to its instruction, or to `{instruction: ..., description: ...}`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from writeit.application.merge_recipes import BUILT_IN, Recipe, RecipeFileError


class FileRecipeBook:
    """RecipeBook over (origin, path) files, first wins; read on each use, so an edited file counts at once."""

    def __init__(self, files: Sequence[tuple[str, Path]]) -> None:
        self._files = list(files)

    def searched(self) -> list[str]:
        return [f"{origin} {path}" for origin, path in self._files] + ["built-in"]

    def all(self) -> list[Recipe]:
        found: dict[str, Recipe] = {}
        for origin, path in self._files:
            for recipe in _read(origin, path):
                found.setdefault(recipe.name, recipe)
        for recipe in BUILT_IN:
            found.setdefault(recipe.name, recipe)
        return list(found.values())


def _read(origin: str, path: Path) -> list[Recipe]:
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise RecipeFileError(f"{path}{line}: not valid YAML ({exc.problem or exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeFileError(f"{path}: cannot be read ({exc})") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise RecipeFileError(f"{path}: expected a mapping of recipe names to instructions")
    return [_recipe(path, origin, str(name), value) for name, value in data.items()]


def _recipe(path: Path, origin: str, name: str, value: object) -> Recipe:
    if isinstance(value, str) and value.strip():
        return Recipe(name, value.strip(), origin=origin)
    if isinstance(value, dict) and isinstance(value.get("instruction"), str) and value["instruction"].strip():
        return Recipe(name, value["instruction"].strip(), str(value.get("description") or ""), origin)
    raise RecipeFileError(f"{path}: recipe '{name}' needs an instruction (a text, or `instruction: ...`)")
