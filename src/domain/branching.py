"""Branch names and lookups: the rules a fork or a switch checks before the aggregate records it."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from writeit.domain.errors import BranchError, UnknownBranchError
from writeit.domain.state import Branch

if TYPE_CHECKING:
    from writeit.domain.aggregate import PipelineCore as Pipeline

_BRANCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def next_branch_name(taken: Collection[str]) -> str:
    """The default name of a new branch: `branch-N`, N the first free number from the count of branches + 1."""
    n = len(taken) + 1
    while f"branch-{n}" in taken:
        n += 1
    return f"branch-{n}"


def valid_branch_name(name: str) -> bool:
    return bool(_BRANCH_NAME.match(name))


def require_branch(pipeline: Pipeline, name: str) -> Branch:
    if name not in pipeline.branches:
        raise UnknownBranchError(name, tuple(pipeline.branches))
    return pipeline.branches[name]


def require_branch_free(pipeline: Pipeline, name: str) -> None:
    if not valid_branch_name(name):
        raise BranchError(f"'{name}' is not a valid branch name (letters, digits, '.', '_', '-'; up to 64)")
    if name in pipeline.branches:
        raise BranchError(f"a branch named '{name}' already exists")
