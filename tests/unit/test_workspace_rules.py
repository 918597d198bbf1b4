"""WorkspaceService's rules on the in-memory storage: names, duplicates, the active one, removal."""

from __future__ import annotations

import pytest

from writeit.adapters.memory.workspaces import InMemoryWorkspaces
from writeit.application.workspaces import WorkspaceError, WorkspaceService


@pytest.fixture
def storage() -> InMemoryWorkspaces:
    return InMemoryWorkspaces()


def test_the_active_workspace_is_listed_even_before_it_is_created(storage: InMemoryWorkspaces) -> None:
    service = WorkspaceService(storage)
    service.create("blog")
    assert [(w.name, w.active) for w in service.list()] == [("blog", False), ("default", True)]


def test_a_name_is_created_once_and_a_bad_one_never(storage: InMemoryWorkspaces) -> None:
    service = WorkspaceService(storage)
    service.create("blog")
    with pytest.raises(WorkspaceError, match="'blog' already exists"):
        service.create("blog")
    with pytest.raises(WorkspaceError, match="'Blog!' is not a workspace name"):
        service.create("Blog!")
    assert storage.names() == ["blog"]


def test_the_active_workspace_cannot_be_removed_and_another_one_can(storage: InMemoryWorkspaces) -> None:
    service = WorkspaceService(storage)
    service.create("blog")
    service.create("notes")
    service.use("blog")
    with pytest.raises(WorkspaceError, match="'blog' is in use"):
        service.remove("blog")
    assert service.remove("notes") == storage.removed[-1]
    assert storage.names() == ["blog"]


def test_an_unknown_workspace_is_named_with_those_that_exist(storage: InMemoryWorkspaces) -> None:
    service = WorkspaceService(storage)
    service.create("blog")
    with pytest.raises(WorkspaceError, match=r"no workspace 'nope' \(workspaces: blog\)"):
        service.use("nope")
    assert storage.active() == "default"
