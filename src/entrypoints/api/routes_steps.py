"""Step commands: generate (candidates then stream over the WebSocket), select, edit, merge, keep a stale step."""

from __future__ import annotations

from fastapi import APIRouter, status

from writeit.application import commands as cmd
from writeit.domain.errors import InvalidCommandError
from writeit.entrypoints.api.deps import PipelineId, Pipelines, StepKey
from writeit.entrypoints.api.errors import responses
from writeit.entrypoints.api.responses import PipelineState, pipeline_state
from writeit.entrypoints.api.schemas import Edit, Generate, GenerationAccepted, Merge, Select, Versioned

router = APIRouter(prefix="/api/pipelines/{pipeline_id}/steps/{step}", tags=["steps"])
ERRORS = responses(400, 404, 409, 413, 422)


@router.post("/generate", status_code=status.HTTP_202_ACCEPTED, response_model=GenerationAccepted, responses=ERRORS)
async def generate(pipeline_id: PipelineId, step: StepKey, body: Generate, pipelines: Pipelines) -> GenerationAccepted:
    """Start a round of candidates and return at once; chunks and outcomes stream over the WebSocket.

    A model that fails is recorded in its candidate (status failed, with the error), never as an HTTP error.
    """
    generation = await pipelines.handle(
        cmd.Generate(
            pipeline_id=pipeline_id, expected_version=body.expected_version, step=step, feedback=body.feedback,
            models=tuple(body.models or ()), candidate_id=body.candidate_id,
        )
    )  # fmt: skip
    view = await pipelines.get(generation.pipeline_id)
    return GenerationAccepted(
        pipeline_id=generation.pipeline_id,
        step=generation.step,
        candidate_ids=list(generation.candidate_ids),
        version=view.version,
    )


@router.post("/select", response_model=PipelineState, responses=ERRORS)
async def select(pipeline_id: PipelineId, step: StepKey, body: Select, pipelines: Pipelines) -> PipelineState:
    """Select a completed candidate; later steps built on another selection become stale."""
    command = cmd.Select(
        pipeline_id=pipeline_id, expected_version=body.expected_version, step=step, candidate_id=body.candidate_id
    )
    return pipeline_state(await pipelines.handle(command))


@router.post("/edit", response_model=PipelineState, responses=ERRORS)
async def edit(pipeline_id: PipelineId, step: StepKey, body: Edit, pipelines: Pipelines) -> PipelineState:
    """Record a rewrite of a candidate (default: the step's selection) as a new candidate, and select it."""
    command = cmd.Edit(
        pipeline_id=pipeline_id, expected_version=body.expected_version, step=step, candidate_id=body.candidate_id,
        text=body.text,
    )  # fmt: skip
    return pipeline_state(await pipelines.handle(command))


@router.post("/merge", response_model=PipelineState, responses=ERRORS)
async def merge(pipeline_id: PipelineId, step: StepKey, body: Merge, pipelines: Pipelines) -> PipelineState:
    """Merge candidates into a new, selected one: by hand (`text`) or by a model following `instruction` and/or
    a named `recipe`. Candidates still generating here are merged with their text so far (`streaming_sources`)."""
    by_model = body.instruction is not None or body.recipe is not None
    if (body.text is None) != by_model:
        raise InvalidCommandError(
            "a merge needs either `text` (by hand) or `instruction`/`recipe` (by a model), not both"
        )
    version, sources = body.expected_version, tuple(body.candidate_ids)
    if body.text is not None:
        by_hand = cmd.MergeByHand(
            pipeline_id=pipeline_id, expected_version=version, step=step, candidate_ids=sources, text=body.text
        )
        return pipeline_state(await pipelines.handle(by_hand))
    merge = cmd.MergeByModel(
        pipeline_id=pipeline_id, expected_version=version, step=step, candidate_ids=sources,
        instruction=body.instruction, model=body.model, recipe=body.recipe,
    )  # fmt: skip
    return pipeline_state(await pipelines.handle(merge))


@router.post("/keep", response_model=PipelineState, responses=ERRORS)
async def keep(pipeline_id: PipelineId, step: StepKey, body: Versioned, pipelines: Pipelines) -> PipelineState:
    """Keep a stale step's selection as it is (instead of regenerating it)."""
    command = cmd.KeepStale(pipeline_id=pipeline_id, expected_version=body.expected_version, step=step)
    return pipeline_state(await pipelines.handle(command))
