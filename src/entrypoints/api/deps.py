"""What the routes are given: the application services of the app's one container, and typed path parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

from fastapi import Depends, Path, Request
from starlette.requests import HTTPConnection

from writeit.application.service import PipelineService
from writeit.application.templates import TemplateService
from writeit.entrypoints.api.schemas import BRANCH_PATTERN, ID_PATTERN, NAME_PATTERN

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container


def container_of(connection: HTTPConnection) -> Container:
    return cast("Container", connection.app.state.container)


def pipeline_service(request: Request) -> PipelineService:
    return container_of(request).pipelines()


def template_service(request: Request) -> TemplateService:
    return container_of(request).templates()


Pipelines = Annotated[PipelineService, Depends(pipeline_service)]
Templates = Annotated[TemplateService, Depends(template_service)]

PipelineId = Annotated[str, Path(pattern=ID_PATTERN, description="A pipeline id, or a unique prefix of one.")]
CandidateId = Annotated[str, Path(pattern=ID_PATTERN)]
StepKey = Annotated[str, Path(min_length=1, max_length=128, description="A step key of the pipeline's template.")]
BranchName = Annotated[str, Path(pattern=BRANCH_PATTERN)]
TemplateName = Annotated[str, Path(pattern=NAME_PATTERN, description="A template name (never a file path).")]
