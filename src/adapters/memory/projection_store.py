"""An in-memory ProjectionStore for unit tests, keeping rows as JSON like the real one."""

from __future__ import annotations

import json
from collections.abc import Mapping

from writeit.application.ports import ProjectionState, Row


class InMemoryProjectionStore:
    """Rows and state per projection name; each commit checks and changes them without yielding."""

    def __init__(self) -> None:
        self._states: dict[str, ProjectionState] = {}
        self._rows: dict[str, dict[str, str]] = {}

    async def state(self, name: str) -> ProjectionState:
        return self._states.get(name, ProjectionState())

    async def reset(self, name: str, version: int) -> None:
        self._states[name] = ProjectionState(version, 0)
        self._rows[name] = {}

    async def commit(self, name: str, expected: ProjectionState, position: int, rows: Mapping[str, Row]) -> bool:
        encoded = {key: json.dumps(dict(row), separators=(",", ":")) for key, row in rows.items()}
        if await self.state(name) != expected:
            return False
        self._rows.setdefault(name, {}).update(encoded)
        self._states[name] = ProjectionState(expected.version, position)
        return True

    async def rows(self, name: str) -> list[Row]:
        stored = self._rows.get(name, {})
        return [json.loads(stored[key]) for key in sorted(stored, key=str.encode)]
