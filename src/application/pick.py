"""Automatic selection for headless runs: which completed candidate a script takes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from writeit.application.views import CandidateView


class PickStrategy(StrEnum):
    FIRST = "first"
    LAST = "last"
    LONGEST = "longest"
    SHORTEST = "shortest"
    CHEAPEST = "cheapest"


_KEYS: dict[PickStrategy, Callable[[tuple[int, CandidateView]], float]] = {
    PickStrategy.FIRST: lambda ic: ic[0],
    PickStrategy.LAST: lambda ic: -ic[0],
    PickStrategy.LONGEST: lambda ic: -len(ic[1].text),
    PickStrategy.SHORTEST: lambda ic: len(ic[1].text),
    PickStrategy.CHEAPEST: lambda ic: ic[1].cost,
}


def pick(candidates: Sequence[CandidateView], strategy: PickStrategy) -> CandidateView | None:
    """The completed candidate the strategy prefers (ties go to the earliest), or None if none completed."""
    done = [(i, c) for i, c in enumerate(candidates) if c.status == "completed"]
    if not done:
        return None
    return min(done, key=lambda ic: (_KEYS[strategy](ic), ic[0]))[1]
