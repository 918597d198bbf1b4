"""The API's request bodies and small responses, as pydantic models (the OpenAPI document is built from them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Ids are uuid hex (or a unique prefix of one); names are file stems. Bounded so a key never outgrows storage.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
BRANCH_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
LONG_TEXT = 200_000

InputValue = str | int | float | bool | None
ModelId = Annotated[str, Field(min_length=1, max_length=200)]
CandidateId = Annotated[str, Field(pattern=ID_PATTERN)]
FragmentRef = Annotated[str, Field(min_length=1, max_length=2000)]


class Request(BaseModel):
    """Unknown fields (in a body or a query) are refused: a misspelt one must not be silently ignored.

    Versions are strict integers: `true` or `"3"` is a client's mistake, not version 1 or 3.
    """

    model_config = ConfigDict(extra="forbid")


class ErrorItem(BaseModel):
    line: int | None = None
    field: str = ""
    message: str


class ErrorBody(BaseModel):
    detail: str
    errors: list[ErrorItem] = []


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class ValidateTemplate(Request):
    yaml: str = Field(max_length=LONG_TEXT, description="The template's YAML text.")


class TemplateValid(BaseModel):
    valid: Literal[True]
    name: str
    steps: list[str]


class CreatePipeline(Request):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"template": "quick-article", "inputs": {"topic": "LMDB"}}]}
    )
    template: str = Field(pattern=NAME_PATTERN, description="A template name, as listed by GET /api/templates.")
    inputs: dict[str, InputValue] = Field(default_factory=dict)
    models: list[ModelId] | None = Field(
        default=None, max_length=16, description="Models to answer every step instead of the template's (recorded)."
    )
    fragments: list[FragmentRef] = Field(
        default_factory=list,
        max_length=16,
        description="`llm -f` references read by the server (URLs, plugins' prefix: loaders; not paths), recorded.",
    )


class Generate(Request):
    expected_version: int = Field(
        ge=0, strict=True, description="The pipeline version the client saw; 409 if it moved on."
    )
    feedback: str | None = Field(default=None, max_length=LONG_TEXT, description="Recorded before the round runs.")
    models: list[ModelId] | None = Field(default=None, max_length=16, description="Model ids or aliases to ask.")
    candidate_id: str | None = Field(default=None, pattern=ID_PATTERN, description="Regenerate this one only.")


class Select(Request):
    candidate_id: str = Field(pattern=ID_PATTERN)
    expected_version: int = Field(ge=0, strict=True)


class Edit(Request):
    text: str = Field(min_length=1, max_length=LONG_TEXT)
    expected_version: int = Field(ge=0, strict=True)
    candidate_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="The candidate rewritten; default: the step's selection."
    )


class Merge(Request):
    candidate_ids: list[CandidateId] = Field(min_length=2, max_length=32)
    text: str | None = Field(default=None, min_length=1, max_length=LONG_TEXT, description="A merge by hand.")
    instruction: str | None = Field(
        default=None, min_length=1, max_length=LONG_TEXT, description="Ask a model to merge, following this."
    )
    model: str | None = Field(default=None, min_length=1, max_length=200, description="The merging model.")
    recipe: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="A named merge recipe (its instruction, then `instruction`)."
    )
    expected_version: int = Field(ge=0, strict=True)


class Fork(Request):
    from_step: str = Field(min_length=1, max_length=128)
    expected_version: int = Field(ge=0, strict=True)
    name: str | None = Field(default=None, pattern=BRANCH_PATTERN, description="Default: branch-N.")


class Versioned(Request):
    """A command that carries nothing but the version the client saw (switch, keep)."""

    expected_version: int = Field(ge=0, strict=True, description="The pipeline version the client saw; 409 if moved.")


class BranchQuery(Request):
    branch: str | None = Field(default=None, pattern=BRANCH_PATTERN, description="Default: the current branch.")


class EventsQuery(Request):
    after: int = Field(default=0, ge=0, description="Only events with a higher sequence number.")


class ExportQuery(BranchQuery):
    format: Literal["markdown", "json", "yaml", "jsonl"] = Field(
        default="markdown",
        description="markdown (of a branch), or the full history as json or yaml, or its events as JSON lines.",
    )
    appendix: bool = Field(default=False, description="Markdown: add the candidates not taken, and the feedback.")


class GenerationAccepted(BaseModel):
    pipeline_id: str
    step: str
    candidate_ids: list[str]
    version: int = Field(description="The pipeline's version when the round was accepted.")


class CancelResult(BaseModel):
    candidate_id: str
    cancelled: bool = Field(description="False when the candidate had already finished.")


class EventRecord(BaseModel):
    """One persisted event: its type, version and sequence number, then its own fields."""

    model_config = ConfigDict(extra="allow")
    type: str
    v: int
    seq: int
    pipeline_id: str
    at: str


def event_record(record: dict[str, Any]) -> EventRecord:
    return EventRecord.model_validate(record)
