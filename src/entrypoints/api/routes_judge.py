"""POST .../steps/{step}/judge: a judge model scores a step's candidates on criteria; recorded, never selecting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from writeit.entrypoints.api.deps import PipelineId, Pipelines, StepKey
from writeit.entrypoints.api.errors import responses
from writeit.entrypoints.api.judgements import JudgementOut, judgement_out
from writeit.entrypoints.api.schemas import Request

router = APIRouter(prefix="/api/pipelines/{pipeline_id}/steps/{step}", tags=["steps"])


class Judge(Request):
    model: str | None = Field(default=None, min_length=1, max_length=200, description="The judge (an llm id).")
    criteria: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=20,
        description="Default: the step's `criteria:` in its template, else clarity, accuracy, fit to the brief.",
    )
    expected_version: int = Field(ge=0, strict=True)


@router.post("/judge", response_model=JudgementOut, responses=responses(400, 404, 409, 413, 422))
async def judge(pipeline_id: PipelineId, step: StepKey, body: Judge, pipelines: Pipelines) -> JudgementOut:
    """Ask a judge model to score every candidate of the step with text, with a reason per score (it never
    selects); the call is retried, cached and costed as a candidate's is, and the judgement is an event."""
    found = await pipelines.judge(pipeline_id, step, body.model, body.criteria, body.expected_version)
    return judgement_out(found)
