"""The WorkspaceStorage contract run against the in-memory fake and the directories under WRITEIT_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from writeit.adapters.files.workspaces import DirectoryWorkspaces
from writeit.adapters.lmdb.environment import open_environment, store_in_use
from writeit.adapters.memory.workspaces import InMemoryWorkspaces
from writeit.entrypoints import config_files

from .workspace_storage_contract import Occupy, WorkspaceStorageContract


class TestInMemoryWorkspaces(WorkspaceStorageContract):
    @pytest.fixture
    def workspaces(self) -> tuple[InMemoryWorkspaces, Occupy]:
        busy: set[str] = set()
        return InMemoryWorkspaces(in_use=busy.__contains__), busy.add


class TestDirectoryWorkspaces(WorkspaceStorageContract):
    @pytest.fixture
    def workspaces(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[tuple[DirectoryWorkspaces, Occupy]]:
        """Wired as the container wires it: the active one in the global config, "in use" from the store's lock."""
        monkeypatch.delenv("WRITEIT_WORKSPACE", raising=False)
        storage = DirectoryWorkspaces(
            tmp_path,
            active=lambda: config_files.active_workspace(tmp_path),
            set_active=lambda name: config_files.write(config_files.global_config(tmp_path), "workspace", name),
            in_use=store_in_use,
        )
        with ExitStack() as opened:

            def occupy(name: str) -> None:  # a real open store, as a TUI or `writeit serve` holds it
                opened.enter_context(contextmanager(open_environment)(tmp_path / "workspaces" / name / "store"))

            yield storage, occupy


def test_a_removed_directory_keeps_its_files_where_remove_says(tmp_path: Path) -> None:
    storage = DirectoryWorkspaces(tmp_path, active=lambda: "default", set_active=lambda name: None)
    for text in ("first", "second"):
        storage.create("blog")
        (tmp_path / "workspaces" / "blog" / "templates" / "mine.yaml").write_text(text)
        moved = Path(storage.remove("blog"))
        assert (moved / "templates" / "mine.yaml").read_text() == text
    assert not (tmp_path / "workspaces" / "blog").exists()
