"""Workspaces: separate stores, templates and styles under one home; which one is active."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from writeit.application.errors import ApplicationError

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)


class WorkspaceError(ApplicationError):
    """A workspace command cannot be carried out (bad name, missing, already there, in use)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceInfo:
    name: str
    path: str
    active: bool
    size_bytes: int
    templates: int
    styles: int


class WorkspaceStorage(Protocol):
    """Where workspaces live. `remove` keeps the data (moved aside), so nothing is ever lost."""

    def names(self) -> list[str]: ...

    def create(self, name: str) -> None: ...

    def remove(self, name: str) -> str:
        """Move the workspace out of the way; return where its data now is."""
        ...

    def info(self, name: str, active: bool) -> WorkspaceInfo: ...

    def active(self) -> str: ...

    def set_active(self, name: str) -> None: ...


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise WorkspaceError(f"'{name}' is not a workspace name (lowercase letters, digits, '-', '_'; up to 64)")
    return name


class WorkspaceService:
    def __init__(self, storage: WorkspaceStorage) -> None:
        self._storage = storage

    def list(self) -> list[WorkspaceInfo]:
        active = self._storage.active()
        names = sorted({*self._storage.names(), active})
        return [self._storage.info(n, n == active) for n in names]

    def create(self, name: str) -> WorkspaceInfo:
        if check_name(name) in self._storage.names():
            raise WorkspaceError(f"workspace '{name}' already exists")
        self._storage.create(name)
        return self._storage.info(name, name == self._storage.active())

    def use(self, name: str) -> WorkspaceInfo:
        self._require(name)
        self._storage.set_active(name)
        return self._storage.info(name, True)

    def remove(self, name: str) -> str:
        self.check_removable(name)
        return self._storage.remove(name)

    def check_removable(self, name: str) -> None:
        """Raise WorkspaceError if `remove(name)` would be refused (unknown, or the active one)."""
        self._require(name)
        if name == self._storage.active():
            raise WorkspaceError(f"workspace '{name}' is in use; `writeit workspace use` another one first")

    def info(self, name: str | None = None) -> WorkspaceInfo:
        active = self._storage.active()
        target = name or active
        if target != active:
            self._require(target)
        return self._storage.info(target, target == active)

    def _require(self, name: str) -> None:
        if check_name(name) not in self._storage.names():
            known = ", ".join(self._storage.names()) or "none"
            raise WorkspaceError(f"no workspace '{name}' (workspaces: {known})")
