"""Pipelines: create, list, read, events, export, and the branch and cancel commands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from writeit.application import commands as cmd
from writeit.application.export_formats import MEDIA_TYPES
from writeit.domain.codec import to_record
from writeit.entrypoints.api.deps import BranchName, CandidateId, PipelineId, Pipelines
from writeit.entrypoints.api.errors import responses
from writeit.entrypoints.api.responses import PipelineState, PipelineSummaryOut, pipeline_state, summaries_json
from writeit.entrypoints.api.routes_templates import named
from writeit.entrypoints.api.schemas import (
    BranchQuery,
    CancelResult,
    CreatePipeline,
    EventRecord,
    EventsQuery,
    ExportQuery,
    Fork,
    Versioned,
    event_record,
)

router = APIRouter(prefix="/api/pipelines", tags=["pipelines"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=PipelineState, responses=responses(400, 404, 413, 422)
)
async def create_pipeline(body: CreatePipeline, pipelines: Pipelines) -> PipelineState:
    """Start a pipeline from a template, its inputs and fragments (all checked before anything is stored)."""
    command = cmd.StartPipeline(
        template=named(body.template), inputs=body.inputs, models=tuple(body.models or ()),
        fragments=tuple(body.fragments), local_paths=False,
    )  # fmt: skip
    return pipeline_state(await pipelines.handle(command))


@router.get("", response_model=list[PipelineSummaryOut])
async def list_pipelines(pipelines: Pipelines) -> Response:
    """Every pipeline of the workspace, oldest first."""
    # One validation and one encoding of the whole list, rather than a model per pipeline validated again as
    # the response: 10,000 summaries took 190 ms more that way.
    return Response(summaries_json(await pipelines.summaries()), media_type="application/json")


@router.get("/{pipeline_id}", response_model=PipelineState, responses=responses(404, 422))
async def get_pipeline(
    pipeline_id: PipelineId, pipelines: Pipelines, query: Annotated[BranchQuery, Query()]
) -> PipelineState:
    """The pipeline's state as seen on a branch (default: the current one)."""
    return pipeline_state(await pipelines.get(pipeline_id, query.branch))


@router.get("/{pipeline_id}/events", response_model=list[EventRecord], responses=responses(404, 422))
async def list_events(
    pipeline_id: PipelineId, pipelines: Pipelines, query: Annotated[EventsQuery, Query()]
) -> list[EventRecord]:
    """The persisted events with a sequence number above `after`, in order."""
    return [event_record(to_record(e)) for e in await pipelines.events(pipeline_id, query.after)]


@router.get(
    "/{pipeline_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "Markdown with front-matter, or the full history as JSON or YAML.",
            "content": {
                MEDIA_TYPES["markdown"].split(";")[0]: {"schema": {"type": "string"}},
                MEDIA_TYPES["json"]: {"schema": {"type": "object"}},
                MEDIA_TYPES["yaml"]: {"schema": {"type": "object"}},
                MEDIA_TYPES["jsonl"]: {"schema": {"type": "string"}},
            },
        },
        **responses(404, 422),
    },
)
async def export_pipeline(
    pipeline_id: PipelineId, pipelines: Pipelines, query: Annotated[ExportQuery, Query()]
) -> Response:
    """Export: Markdown of a branch (optionally with the candidates not taken), everything as JSON/YAML, or the
    events as JSON lines."""
    text = await pipelines.export(pipeline_id, query.format, branch=query.branch, appendix=query.appendix)
    return Response(text, media_type=MEDIA_TYPES[query.format])


@router.post(
    "/{pipeline_id}/fork",
    status_code=status.HTTP_201_CREATED,
    response_model=PipelineState,
    responses=responses(400, 404, 409, 413, 422),
)
async def fork(pipeline_id: PipelineId, body: Fork, pipelines: Pipelines) -> PipelineState:
    """Start a branch at `from_step` (earlier selections are kept) and switch to it."""
    command = cmd.Fork(
        pipeline_id=pipeline_id, expected_version=body.expected_version, from_step=body.from_step, name=body.name
    )
    return pipeline_state(await pipelines.handle(command))


@router.post(
    "/{pipeline_id}/branches/{branch}/switch",
    response_model=PipelineState,
    responses=responses(400, 404, 409, 413, 422),
)
async def switch(pipeline_id: PipelineId, branch: BranchName, body: Versioned, pipelines: Pipelines) -> PipelineState:
    """Make `branch` the current one."""
    command = cmd.Switch(pipeline_id=pipeline_id, expected_version=body.expected_version, to=branch)
    return pipeline_state(await pipelines.handle(command))


@router.post(
    "/{pipeline_id}/candidates/{candidate_id}/cancel", response_model=CancelResult, responses=responses(404, 422)
)
async def cancel(pipeline_id: PipelineId, candidate_id: CandidateId, pipelines: Pipelines) -> CancelResult:
    """Stop a running candidate: it is recorded as cancelled, with its partial text. Takes no version: it only
    ever stops what is running, and a candidate that has already finished is left as it is (cancelled false)."""
    cancelled = await pipelines.handle(cmd.Cancel(pipeline_id=pipeline_id, candidate_id=candidate_id))
    return CancelResult(candidate_id=candidate_id, cancelled=cancelled)
