"""A step's rounds as every interface shows them: the current round first (keys 1–9), earlier rounds after it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from writeit.application.views import CandidateView, StepView


@dataclass(frozen=True, slots=True)
class Shown:
    """A candidate in the order shown: `number` is its key; `earlier` names its round when not the current one."""

    candidate: CandidateView
    number: int
    earlier: str = ""


def current_since(step: StepView) -> int:
    """The round the current one starts at: the last round of several generated candidates (a lone regeneration
    of one candidate joins its siblings), else the latest round."""
    sizes: dict[int, int] = {}
    for c in step.candidates:
        if c.origin == "generated":
            sizes[c.generation] = sizes.get(c.generation, 0) + 1
    full = [g for g, n in sizes.items() if n > 1]
    return max(full) if full else max(sizes, default=0)


def current_round(step: StepView) -> list[CandidateView]:
    """The candidates of the current round, with the edits and merges made since it started."""
    since = current_since(step)
    return [c for c in step.candidates if c.generation >= since]


def arrange(step: StepView, *, everything: bool = False) -> list[Shown]:
    """The current round first, numbered from 1; then, labelled with their round, the earlier candidates: all of
    them with `everything`, else only the selected one (a stale step's selection, say)."""
    since = current_since(step)
    current = [c for c in step.candidates if c.generation >= since]
    earlier = [c for c in step.candidates if c.generation < since and (everything or c.id == step.selected)]
    shown = [Shown(c, n) for n, c in enumerate(current, 1)]
    start = len(shown) + 1
    shown += [Shown(c, n, f"round {c.generation} (earlier)") for n, c in enumerate(earlier, start)]
    return shown


def origin_label(c: CandidateView, numbers: Mapping[str, int]) -> str:
    """Who wrote the candidate: its model, or the writer's edit or merge of the candidates numbered so."""

    def which(ids: tuple[str, ...]) -> str:
        return " + ".join(str(numbers[i]) if i in numbers else i[:8] for i in ids)

    if c.origin == "edited":
        return f"your edit of candidate {which(c.sources)}"
    if c.origin == "merged":
        return (
            f"merge of {which(c.sources)} by {c.model}" if c.model != "writer" else f"your merge of {which(c.sources)}"
        )
    return c.model
