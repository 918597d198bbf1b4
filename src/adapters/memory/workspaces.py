"""InMemoryWorkspaces: a WorkspaceStorage in memory, for unit tests."""

from __future__ import annotations

from collections.abc import Callable

from writeit.application.workspaces import WorkspaceError, WorkspaceInfo


class InMemoryWorkspaces:
    """Workspaces by name; a removed one is kept aside under a place of its own (`trash/<name>-<n>`), as the
    directories are. `in_use(name)` says whether another process has the workspace's store open."""

    def __init__(self, active: str = "default", in_use: Callable[[str], bool] = lambda name: False) -> None:
        self._names: set[str] = set()
        self._active = active
        self._in_use = in_use
        self.removed: list[str] = []

    def names(self) -> list[str]:
        return sorted(self._names)

    def create(self, name: str) -> None:
        self._names.add(name)

    def remove(self, name: str) -> str:
        if self._in_use(name):
            raise WorkspaceError(f"workspace '{name}' is open in another WriteIt process (a TUI or `writeit serve`)")
        self._names.discard(name)
        self.removed.append(f"trash/{name}-{len(self.removed) + 1}")
        return self.removed[-1]

    def info(self, name: str, active: bool) -> WorkspaceInfo:
        return WorkspaceInfo(name=name, path=f"workspaces/{name}", active=active, size_bytes=0, templates=0, styles=0)

    def active(self) -> str:
        return self._active

    def set_active(self, name: str) -> None:
        self._active = name
