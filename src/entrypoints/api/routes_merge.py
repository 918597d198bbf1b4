"""Guided merges (points, then a merge of the ticked ones), merge recipes, and tracked changes of a revision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from writeit.application.guided_merge import ExtractionView
from writeit.application.tracked_changes import ChangesView
from writeit.entrypoints.api.deps import CandidateId, PipelineId, Pipelines, StepKey
from writeit.entrypoints.api.errors import responses
from writeit.entrypoints.api.responses import PipelineState, pipeline_state
from writeit.entrypoints.api.schemas import ID_PATTERN
from writeit.entrypoints.api.schemas_merge import (
    ChangeOut,
    ChangesOut,
    ChangesQuery,
    Decisions,
    ExtractionOut,
    ExtractPoints,
    GuidedMerge,
    PointOut,
    RecipeOut,
)

router = APIRouter(tags=["merges"])
STEP = "/api/pipelines/{pipeline_id}/steps/{step}"
ERRORS = responses(400, 404, 409, 413, 422)


@router.post(f"{STEP}/points", response_model=ExtractionOut, responses=ERRORS)
async def extract_points(
    pipeline_id: PipelineId, step: StepKey, body: ExtractPoints, pipelines: Pipelines
) -> ExtractionOut:
    """One model call lists the candidates' distinct points, each with the candidates it came from.

    An answer with no readable points is recorded as a failed extraction: `error` says why, `points` is empty.
    """
    extraction = await pipelines.guided.extract(
        pipeline_id, step, body.candidate_ids, body.model, expected_version=body.expected_version
    )
    return extraction_out(extraction)


@router.get(f"{STEP}/points/{{extraction_id}}", response_model=ExtractionOut, responses=responses(404, 422))
async def get_points(
    pipeline_id: PipelineId,
    step: StepKey,
    extraction_id: Annotated[str, Path(pattern=ID_PATTERN)],
    pipelines: Pipelines,
) -> ExtractionOut:
    return extraction_out(await pipelines.guided.get(pipeline_id, extraction_id, step))


@router.post(f"{STEP}/guided-merge", response_model=PipelineState, responses=ERRORS)
async def guided_merge(
    pipeline_id: PipelineId, step: StepKey, body: GuidedMerge, pipelines: Pipelines
) -> PipelineState:
    """Record the ticked points (in order) and have a model write the merge from them alone; it is selected."""
    view = await pipelines.guided.merge(
        pipeline_id, step, body.extraction_id, body.point_ids, body.instruction, body.model,
        expected_version=body.expected_version, recipe=body.recipe,
    )  # fmt: skip
    return pipeline_state(view)


@router.get("/api/recipes", response_model=list[RecipeOut], responses=responses(422))
async def recipes(pipelines: Pipelines) -> list[RecipeOut]:
    """The merge recipes: the workspace's, then the global ones, then the built-in ones (first of a name wins)."""
    return [RecipeOut.model_validate(r, from_attributes=True) for r in pipelines.recipes.all()]


@router.get(
    f"{STEP}/candidates/{{candidate_id}}/changes", response_model=ChangesOut, responses=responses(404, 409, 422)
)
async def changes(
    pipeline_id: PipelineId,
    step: StepKey,
    candidate_id: CandidateId,
    pipelines: Pipelines,
    query: Annotated[ChangesQuery, Query()],
) -> ChangesOut:
    """The revision's word-level changes against the text it revised (`against`: one of a merge's sources)."""
    return changes_out(await pipelines.tracked.changes(pipeline_id, step, candidate_id, query.against))


@router.post(f"{STEP}/candidates/{{candidate_id}}/changes", response_model=PipelineState, responses=ERRORS)
async def decide(
    pipeline_id: PipelineId, step: StepKey, candidate_id: CandidateId, body: Decisions, pipelines: Pipelines
) -> PipelineState:
    """Apply the decisions (a change in neither list stays as the revision made it) as the writer's edit."""
    view = await pipelines.tracked.decide(
        pipeline_id, step, candidate_id, body.accept, body.reject, body.expected_version, against=body.against
    )
    return pipeline_state(view)


def extraction_out(e: ExtractionView) -> ExtractionOut:
    return ExtractionOut(
        id=e.id, step=e.step, source_ids=list(e.source_ids), model=e.model, error=e.error, version=e.version,
        points=[PointOut(id=p.id, text=p.text, sources=list(p.sources)) for p in e.points],
        streaming_sources=list(e.streaming_sources),
    )  # fmt: skip


def changes_out(c: ChangesView) -> ChangesOut:
    return ChangesOut(
        candidate_id=c.candidate_id, against=c.against, model=c.model, version=c.version,
        changes=[ChangeOut(n=x.n, kind=x.kind, before=x.before, after=x.after) for x in c.changes],
    )  # fmt: skip
