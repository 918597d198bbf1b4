"""The one place where errors become HTTP statuses and bodies.

404: what the request names does not exist (pipeline, template, step, candidate, branch).
409: the request is well formed but conflicts with the pipeline's current state: a stale expected version, or a
     step that is not ready, a candidate in the wrong state, a branching rule (StepNotReadyError,
     CandidateStateError, BranchError). Reloading the state tells the client what to do.
422: the request itself is invalid, whatever the state: schema, template or inputs (with line and field),
     InvalidCommandError (empty feedback, merging fewer than two candidates), an unknown or unusable model.
A model failing while generating is never an HTTP error: it is recorded in its candidate.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from writeit.application.errors import (
    AmbiguousPipelineIdError,
    ApplicationError,
    ModelError,
    PipelineNotFoundError,
    StoreError,
    TemplateNotFoundError,
    VersionConflictError,
)
from writeit.application.merge_recipes import RecipeFileError, UnknownRecipeError
from writeit.domain.errors import (
    DomainError,
    InvalidCommandError,
    TemplateInvalidError,
    UnknownBranchError,
    UnknownCandidateError,
    UnknownExtractionError,
    UnknownStepError,
    ValidationError,
)
from writeit.entrypoints.api.schemas import ErrorBody, ErrorItem
from writeit.entrypoints.display import clean

log = logging.getLogger("writeit.api")

NOT_FOUND = (
    PipelineNotFoundError,
    AmbiguousPipelineIdError,
    TemplateNotFoundError,
    UnknownStepError,
    UnknownCandidateError,
    UnknownBranchError,
    UnknownExtractionError,
)

RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The body is not JSON text (UTF-8)."},
    403: {"model": ErrorBody, "description": "A request from another origin (or, without a token, another host)."},
    404: {"model": ErrorBody, "description": "Unknown pipeline, template, step, candidate or branch."},
    409: {"model": ErrorBody, "description": "Stale expected_version, or the state does not allow the command."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    415: {"model": ErrorBody, "description": "The body is not sent as Content-Type: application/json."},
    422: {"model": ErrorBody, "description": "Invalid request, template, inputs or model; `errors` locates each."},
}


def responses(*codes: int) -> dict[int | str, dict[str, object]]:
    """The documented error responses of an operation."""
    return {code: RESPONSES[code] for code in codes}


def error_response(status: int, detail: str, errors: list[ErrorItem] | None = None) -> JSONResponse:
    """Every error body of the API goes out through here: what it echoes of the request is cleaned (escapes shown,
    long values cut) by the rule the CLI uses too."""
    items = [
        item.model_copy(update={"field": clean(item.field), "message": clean(item.message)}) for item in errors or []
    ]
    body = ErrorBody(detail=clean(detail), errors=items)
    return JSONResponse(body.model_dump(), status_code=status)


def status_of(exc: Exception) -> int:
    if isinstance(exc, VersionConflictError):
        return 409
    if isinstance(exc, NOT_FOUND):
        return 404
    if isinstance(exc, ValidationError | InvalidCommandError | ModelError | UnknownRecipeError | RecipeFileError):
        return 422
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, DomainError):
        return 409
    return 400


def message_of(exc: Exception) -> str:
    # The catalog's message lists the server's directories: a network client has no business knowing them.
    if isinstance(exc, TemplateNotFoundError):
        return f"no template '{exc.name}'"
    if isinstance(exc, StoreError):
        return "the store could not complete the operation; nothing was changed"
    if isinstance(exc, UnknownRecipeError):  # the server's paths stay on the server
        return (
            f"no merge recipe '{exc.name}' (looked in the workspace's, the global and the built-in recipes: "
            f"{', '.join(exc.known)})"
        )
    if isinstance(exc, RecipeFileError):
        log.error("merge recipes: %s", exc)
        return "a merge recipes file of the server cannot be read (its log says which and why)"
    if isinstance(exc, ValidationError):
        what = "template" if isinstance(exc, TemplateInvalidError) else "inputs"
        return f"invalid {what}: {len(exc.problems)} problem(s); see `errors`"
    return str(exc)


async def _known(request: Request, exc: Exception) -> JSONResponse:
    items: list[ErrorItem] = []
    if isinstance(exc, ValidationError):
        items = [ErrorItem(line=p.line, field=p.field, message=p.message) for p in exc.problems]
    elif isinstance(exc, ModelError):
        items = [ErrorItem(field="model", message=str(exc))]
    if isinstance(exc, StoreError):
        log.error("store error on %s %s: %s", request.method, request.url.path, exc)
    return error_response(status_of(exc), message_of(exc), items)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items: list[ErrorItem] = []
    for e in exc.errors():
        where = tuple(str(part) for part in e.get("loc", ()))
        message = str(e.get("msg", "invalid"))
        missing = _required_fields(request) if where == ("body",) and e.get("type") == "missing" else []
        items += [ErrorItem(field=f"body.{name}", message=message) for name in missing]
        items += [] if missing else [ErrorItem(field=".".join(where), message=message)]
    return error_response(422, "invalid request", items)


def _required_fields(request: Request) -> list[str]:
    """The fields a missing body lacks, so that the answer names them (`expected_version`), not just `body`."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [name for name, field in model.model_fields.items() if field.is_required()]


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ApplicationError, _known)
    app.add_exception_handler(DomainError, _known)
    app.add_exception_handler(Exception, _unexpected)
