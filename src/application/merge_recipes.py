"""Merge recipes: named merge instructions (the workspace's, then the global ones, then the built-in ones)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from writeit.application.errors import ApplicationError


@dataclass(frozen=True, slots=True)
class Recipe:
    name: str
    instruction: str
    description: str = ""
    origin: str = "built-in"  # workspace, global or built-in


BUILT_IN = (
    Recipe(
        "best-of",
        "On every point keep the strongest version any draft gives, drop the weaker ones, and keep one voice.",
        "The best of each draft, point by point.",
    ),
    Recipe(
        "combine-structure",
        "Follow the structure of the first draft and fill it with every distinct idea and example of the others.",
        "The first draft's structure, with the others' content.",
    ),
    Recipe(
        "tighten",
        "Write the shortest text that keeps every distinct point of the drafts; cut repetition and filler.",
        "Everything said once, as briefly as it can be.",
    ),
)


class UnknownRecipeError(ApplicationError):
    def __init__(self, name: str, searched: Sequence[str], known: Sequence[str]) -> None:
        super().__init__(
            f"no merge recipe '{name}' (looked in: {', '.join(searched)}; known recipes: {', '.join(known)})"
        )
        self.name = name
        self.known = tuple(known)


class RecipeFileError(ApplicationError):
    """A recipes file that cannot be read: the message names the file and line."""


class RecipeBook(Protocol):
    def all(self) -> list[Recipe]:
        """Every recipe, the first of each name winning (workspace, then global, then built-in)."""
        ...

    def searched(self) -> list[str]:
        """Where recipes are looked for, in order (for the error naming an unknown one)."""
        ...


class BuiltInRecipes:
    """The built-in recipes alone (no file to read)."""

    def all(self) -> list[Recipe]:
        return list(BUILT_IN)

    def searched(self) -> list[str]:
        return ["built-in"]


def find_recipe(book: RecipeBook, name: str) -> Recipe:
    recipes = book.all()
    found = next((r for r in recipes if r.name == name), None)
    if found is None:
        raise UnknownRecipeError(name, book.searched(), [r.name for r in recipes])
    return found


def merge_instruction(book: RecipeBook, recipe: str | None, instruction: str | None) -> tuple[str, str]:
    """(the instruction a merging model follows, the recipe's name): the recipe's, with the caller's after it."""
    if not recipe:
        return instruction or "Keep the best of each.", ""
    found = find_recipe(book, recipe)
    return (f"{found.instruction} {instruction}" if instruction else found.instruction), found.name
