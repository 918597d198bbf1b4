"""Workspaces as directories under WRITEIT_HOME/workspaces; removed ones are moved to WRITEIT_HOME/trash."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from writeit.application.workspaces import WorkspaceError, WorkspaceInfo


class DirectoryWorkspaces:
    def __init__(
        self,
        home: Path,
        active: Callable[[], str],
        set_active: Callable[[str], None],
        in_use: Callable[[Path], bool] = lambda store: False,
    ) -> None:
        self._root = home / "workspaces"
        self._in_use = in_use
        self._trash = home / "trash"
        self._active = active
        self._set_active = set_active

    def names(self) -> list[str]:
        if not self._root.is_dir():
            return []
        return sorted(p.name for p in self._root.iterdir() if p.is_dir())

    def create(self, name: str) -> None:
        for sub in ("templates", "styles"):
            (self._root / name / sub).mkdir(parents=True, exist_ok=True)

    def remove(self, name: str) -> str:
        if self._in_use(self._root / name / "store"):
            raise WorkspaceError(f"workspace '{name}' is open in another WriteIt process (a TUI or `writeit serve`)")
        self._trash.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target, n = self._trash / f"{name}-{stamp}", 1
        while target.exists():  # removed again within the second: moving onto it would nest inside it
            n += 1
            target = self._trash / f"{name}-{stamp}-{n}"
        shutil.move(str(self._root / name), target)
        return str(target)

    def info(self, name: str, active: bool) -> WorkspaceInfo:
        path = self._root / name
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else []
        return WorkspaceInfo(
            name=name,
            path=str(path),
            active=active,
            size_bytes=sum(_allocated(p) for p in files),
            templates=_count(path / "templates", "*.y*ml"),
            styles=_count(path / "styles", "*.y*ml"),
        )

    def active(self) -> str:
        return self._active()

    def set_active(self, name: str) -> None:
        self._set_active(name)


def _count(directory: Path, pattern: str) -> int:
    return sum(1 for _ in directory.glob(pattern)) if directory.is_dir() else 0


def _allocated(path: Path) -> int:
    # LMDB's data file is sparse: report the blocks in use, not the map size.
    stat = path.stat()
    return min(stat.st_size, getattr(stat, "st_blocks", 0) * 512) if hasattr(stat, "st_blocks") else stat.st_size
