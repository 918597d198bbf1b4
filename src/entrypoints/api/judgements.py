"""The response model of a judgement: a judge's score and reason per candidate and criterion, and its cost."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from writeit.application.views import Judgement


class Score(BaseModel):
    candidate_id: str
    criterion: str
    score: float = Field(description="1 (poor) to 10 (excellent).")
    reason: str


class JudgementOut(BaseModel):
    step: str
    model: str
    criteria: list[str]
    scores: list[Score]
    usage: dict[str, Any] = Field(description="input_tokens, output_tokens, usage_estimated, cost, cached.")
    error: str = Field(description="Why the answer gave no scores (it is recorded all the same); empty otherwise.")


def judgement_out(found: Judgement) -> JudgementOut:
    return JudgementOut(
        step=found.step, model=found.model, criteria=list(found.criteria),
        scores=[Score(**score) for score in found.scores], usage=dict(found.usage), error=found.error,
    )  # fmt: skip
