"""What a model produced for one candidate, and the accounting fields its events carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateOutput:
    """What a model produced for one candidate, with its accounting."""

    model: str
    text: str
    prompt: str = ""
    system: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    cost: float = 0.0
    duration_ms: int = 0
    cached: bool = False
    seed: int | None = None


def accounting(output: CandidateOutput | None) -> dict[str, Any]:
    if output is None:
        return {}
    return {
        "input_tokens": output.input_tokens,
        "output_tokens": output.output_tokens,
        "usage_estimated": output.usage_estimated,
        "cost": output.cost,
        "duration_ms": output.duration_ms,
    }
