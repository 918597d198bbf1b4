"""Upcasters: how each older event record shape becomes the next one, registered by (type, from version)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Record = dict[str, Any]
Upcaster = Callable[[Record], Record]

UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that lifts a record of `type_name` from `from_version` to the next version."""

    def register(fn: Upcaster) -> Upcaster:
        UPCASTERS[(type_name, from_version)] = fn
        return fn

    return register


@upcaster("StepStarted", 1)
def step_started_v1_to_v2(record: Record) -> Record:
    # v1 did not say which process ran the round; "" means unknown, which recovery treats as orphaned.
    return {**record, "session": "", "v": 2}


@upcaster("PipelineStarted", 1)
def pipeline_started_v1_to_v2(record: Record) -> Record:
    # v1 could not record a choice of models: every step used its template's.
    return {**record, "models": [], "v": 2}
