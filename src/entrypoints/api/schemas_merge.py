"""Request and response bodies of guided merges, merge recipes and tracked changes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from writeit.entrypoints.api.schemas import ID_PATTERN, NAME_PATTERN, CandidateId, ModelId, Request

PointId = str


class ExtractPoints(Request):
    candidate_ids: list[CandidateId] = Field(min_length=2, max_length=32)
    model: ModelId | None = Field(default=None, description="The model that lists the points (default model).")
    expected_version: int = Field(ge=0, strict=True)


class PointOut(BaseModel):
    id: str
    text: str
    sources: list[str] = Field(description="The candidates that make this point.")


class ExtractionOut(BaseModel):
    id: str
    step: str
    source_ids: list[str]
    points: list[PointOut]
    model: str
    error: str = Field(description="Why the answer gave no points (recorded; extract again); empty otherwise.")
    streaming_sources: list[str] = Field(description="Sources still generating, taken with their text so far.")
    version: int


class GuidedMerge(Request):
    extraction_id: str = Field(pattern=ID_PATTERN)
    point_ids: list[PointId] = Field(
        min_length=1, max_length=500, description="The ticked points, in the order the merge follows."
    )
    instruction: str | None = Field(default=None, min_length=1, max_length=20_000)
    recipe: str | None = Field(default=None, pattern=NAME_PATTERN)
    model: ModelId | None = None
    expected_version: int = Field(ge=0, strict=True)


class RecipeOut(BaseModel):
    name: str
    instruction: str
    description: str
    origin: str = Field(description="workspace, global or built-in.")


class ChangeOut(BaseModel):
    n: int
    kind: str = Field(description="insert, delete or replace.")
    before: str
    after: str


class ChangesOut(BaseModel):
    candidate_id: str = Field(description="The revision.")
    against: str = Field(description="The candidate whose text it revised.")
    model: str
    changes: list[ChangeOut]
    version: int


class ChangesQuery(Request):
    against: str | None = Field(default=None, pattern=ID_PATTERN, description="Which source to compare with.")


class Decisions(Request):
    accept: list[int] = Field(default_factory=list, max_length=10_000)
    reject: list[int] = Field(default_factory=list, max_length=10_000)
    against: str | None = Field(default=None, pattern=ID_PATTERN)
    expected_version: int = Field(ge=0, strict=True)
