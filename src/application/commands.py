"""The commands of a writing session: one frozen request per use case, built alike by the TUI, the API and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineCommand:
    """What every command on an existing pipeline carries once.

    `expected_version`: refused (VersionConflictError) if the pipeline moved since the caller read it.
    `branch`: the branch the caller is looking at; refused (BranchMovedError) if another is current now.
    """

    pipeline_id: str
    expected_version: int | None = None
    branch: str | None = None


class Target(TypedDict):
    """The fields of PipelineCommand, for building commands: `Select(**target(...), step=..., ...)`."""

    pipeline_id: str
    expected_version: int | None
    branch: str | None


def target(pipeline_id: str, expected_version: int | None = None, branch: str | None = None) -> Target:
    return Target(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch)


@dataclass(frozen=True, slots=True, kw_only=True)
class StartPipeline:
    """`models`, when given, answer every step in place of the template's; `fragments` are `llm -f` references."""

    template: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    fragments: tuple[str, ...] = ()
    local_paths: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportHistory:
    history: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Generate(PipelineCommand):
    """A round of `step` (default: the current one), or again the one `candidate_id`, with `feedback` recorded."""

    step: str | None = None
    feedback: str | None = None
    models: tuple[str, ...] = ()
    candidate_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Select(PipelineCommand):
    step: str
    candidate_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit(PipelineCommand):
    """A new candidate with `text`, edited from `candidate_id`; None: from the step's selection."""

    step: str
    text: str
    candidate_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GiveFeedback(PipelineCommand):
    step: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeByHand(PipelineCommand):
    step: str
    candidate_ids: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeByModel(PipelineCommand):
    """A merge by a model following `instruction` and/or the named merge `recipe` (its instruction first)."""

    step: str
    candidate_ids: tuple[str, ...]
    instruction: str | None = None
    model: str | None = None
    recipe: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KeepStale(PipelineCommand):
    step: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Fork(PipelineCommand):
    """A branch named `name` (default: the next free name) forked from the current one at `from_step`."""

    from_step: str
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Switch(PipelineCommand):
    """Make `to` the current branch (`branch`, as on every command: the one the caller was looking at)."""

    to: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Cancel(PipelineCommand):
    candidate_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Recover(PipelineCommand):
    """Mark candidates orphaned by a stopped process as interrupted, so their steps can run again."""


ViewCommand = (
    StartPipeline | ImportHistory | Select | Edit | GiveFeedback | MergeByHand | MergeByModel | KeepStale | Fork
    | Switch
)  # fmt: skip
"""The commands whose handler returns the pipeline's view after them."""
Command = ViewCommand | Generate | Cancel | Recover
