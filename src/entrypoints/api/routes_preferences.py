"""The writer's preferences: the models' leaderboard and the preference export (DPO or JSON lines)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from writeit.application.leaderboard import Leaderboard, PreferenceService
from writeit.entrypoints.api.deps import container_of
from writeit.entrypoints.api.errors import responses
from writeit.entrypoints.api.schemas import ID_PATTERN
from writeit.entrypoints.api.schemas import Request as Strict

router = APIRouter(prefix="/api", tags=["preferences"])


def preference_service(request: Request) -> PreferenceService:
    return container_of(request).preferences()


Preferences = Annotated[PreferenceService, Depends(preference_service)]


class Filter(Strict):
    template: str | None = Field(default=None, max_length=128, description="Only this template's selections.")
    step: str | None = Field(default=None, max_length=128, description="Only this step's selections.")


class ExportFilter(Filter):
    format: Literal["dpo", "jsonl"] = Field(
        default="dpo", description="dpo: prompt, chosen, rejected (TRL's DPOTrainer); jsonl adds models and ids."
    )
    pipeline: list[Annotated[str, Field(pattern=ID_PATTERN)]] = Field(
        default_factory=list, description="Only these pipelines (ids or unique prefixes); repeat for several."
    )


class StandingOut(BaseModel):
    model: str
    wins: int
    losses: int
    games: int
    win_rate: float
    win_rate_low: float = Field(description="The win rate's 95% Wilson interval, low end.")
    win_rate_high: float
    rating: float = Field(description="Bradley–Terry strength on the Elo scale (1500: the models' mean).")


class LeaderboardOut(BaseModel):
    template: str | None
    step: str | None
    comparisons: int = Field(description="Chosen-over-rejected pairs between two different models.")
    models: list[StandingOut]


@router.get("/leaderboard", response_model=LeaderboardOut, responses=responses(422))
async def leaderboard(preferences: Preferences, query: Annotated[Filter, Query()]) -> LeaderboardOut:
    """The models ranked by the writer's selections: each beats the other completed candidates of its round."""
    board: Leaderboard = await preferences.leaderboard(query.template, query.step)
    models = [StandingOut.model_validate(s, from_attributes=True) for s in board.models]
    return LeaderboardOut(template=board.template, step=board.step, comparisons=board.comparisons, models=models)


_NDJSON = {
    "description": "One JSON record a line.",
    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
}


@router.get("/preferences", response_class=Response, responses={200: _NDJSON, **responses(404, 422)})
async def export_preferences(preferences: Preferences, query: Annotated[ExportFilter, Query()]) -> Response:
    """Every (chosen, rejected) pair of the matching selections as JSON lines, the prompt as it was sent."""
    found = await preferences.export(query.format, query.template, query.step, query.pipeline)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in found.records)
    return Response(text, media_type="application/x-ndjson")
