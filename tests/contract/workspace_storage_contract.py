"""The behaviour every WorkspaceStorage must show; subclass it with a `workspaces` fixture for each adapter."""

from __future__ import annotations

import abc
from collections.abc import Callable

import pytest

from writeit.application.workspaces import WorkspaceError, WorkspaceStorage

Occupy = Callable[[str], None]  # make a workspace in use, as another process with its store open does


class WorkspaceStorageContract(abc.ABC):
    @pytest.fixture
    @abc.abstractmethod
    def workspaces(self) -> tuple[WorkspaceStorage, Occupy]: ...

    def test_a_new_storage_has_no_workspace_and_default_is_active(
        self, workspaces: tuple[WorkspaceStorage, Occupy]
    ) -> None:
        storage, _ = workspaces
        assert storage.names() == []
        assert storage.active() == "default"

    def test_created_workspaces_are_listed_by_name(self, workspaces: tuple[WorkspaceStorage, Occupy]) -> None:
        storage, _ = workspaces
        storage.create("blog")
        storage.create("archive")
        assert storage.names() == ["archive", "blog"]

    def test_creating_a_workspace_that_exists_keeps_it_as_it_is(
        self, workspaces: tuple[WorkspaceStorage, Occupy]
    ) -> None:
        storage, _ = workspaces
        storage.create("blog")
        before = storage.info("blog", False)
        storage.create("blog")
        assert storage.names() == ["blog"]
        assert storage.info("blog", False) == before

    def test_a_new_workspace_has_its_name_a_place_and_nothing_in_it(
        self, workspaces: tuple[WorkspaceStorage, Occupy]
    ) -> None:
        storage, _ = workspaces
        storage.create("blog")
        info = storage.info("blog", True)
        assert (info.name, info.active, info.templates, info.styles) == ("blog", True, 0, 0)
        assert info.path
        assert not storage.info("blog", False).active

    def test_the_workspace_set_active_is_the_active_one(self, workspaces: tuple[WorkspaceStorage, Occupy]) -> None:
        storage, _ = workspaces
        storage.create("blog")
        storage.set_active("blog")
        assert storage.active() == "blog"
        storage.set_active("default")
        assert storage.active() == "default"

    def test_a_removed_workspace_is_moved_aside_and_says_where(
        self, workspaces: tuple[WorkspaceStorage, Occupy]
    ) -> None:
        storage, _ = workspaces
        storage.create("blog")
        storage.create("notes")
        place = storage.info("blog", False).path
        moved = storage.remove("blog")
        assert storage.names() == ["notes"]
        assert moved
        assert moved != place

    def test_a_name_removed_twice_keeps_both_removed_workspaces_apart(
        self, workspaces: tuple[WorkspaceStorage, Occupy]
    ) -> None:
        storage, _ = workspaces
        storage.create("blog")
        first = storage.remove("blog")
        storage.create("blog")
        second = storage.remove("blog")
        assert first != second, "the second removal must not land on (or in) the first one"

    def test_a_workspace_in_use_is_refused_removal_and_kept(self, workspaces: tuple[WorkspaceStorage, Occupy]) -> None:
        storage, occupy = workspaces
        storage.create("blog")
        occupy("blog")
        with pytest.raises(WorkspaceError, match="'blog' is open in another WriteIt process"):
            storage.remove("blog")
        assert storage.names() == ["blog"]
