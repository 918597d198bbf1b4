"""The base of every Pipeline event: which pipeline, where in its stream, and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event. `seq` is the event's 1-based position in its pipeline's stream."""

    version: ClassVar[int] = 1
    pipeline_id: str
    seq: int
    at: str
