"""POST .../steps/{step}/judge: a judge model scores a step's candidates on criteria; recorded, never selecting."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from writeit.entrypoints.api.deps import PipelineId, Pipelines, StepKey
from writeit.entrypoints.api.errors import responses
from writeit.entrypoints.api.schemas import Request

router = APIRouter(prefix="/api/pipelines/{pipeline_id}/steps/{step}", tags=["steps"])


class Judge(Request):
    model: str | None = Field(default=None, min_length=1, max_length=200, description="The judge (an llm id).")
    criteria: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20, description="Default: clarity, accuracy, fit to the brief."
    )
    expected_version: int = Field(ge=0, strict=True)


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


@router.post("/judge", response_model=JudgementOut, responses=responses(400, 404, 409, 413, 422))
async def judge(pipeline_id: PipelineId, step: StepKey, body: Judge, pipelines: Pipelines) -> JudgementOut:
    """Ask a judge model to score every candidate of the step with text, with a reason per score (it never
    selects); the call is retried, cached and costed as a candidate's is, and the judgement is an event."""
    found = await pipelines.judge(pipeline_id, step, body.model, body.criteria, body.expected_version)
    scores = [Score(**score) for score in found.scores]
    return JudgementOut(
        step=found.step, model=found.model, criteria=list(found.criteria), scores=scores, usage=found.usage,
        error=found.error,
    )  # fmt: skip
