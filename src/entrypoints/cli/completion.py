"""Shell completion of templates, workspaces and pipeline ids; a completion never fails loudly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from writeit.entrypoints.cli.common import open_container


def _safe(fn: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        try:
            return [value for value in fn(incomplete) if value.startswith(incomplete)]
        except Exception:  # a broken store or config must not break the user's shell
            return []

    return complete


@_safe
def templates(_: str) -> list[str]:
    from writeit.entrypoints.container import Container

    return [t.name for t in Container().templates().list()]


@_safe
def workspaces(_: str) -> list[str]:
    from writeit.entrypoints.container import Container

    return [w.name for w in Container().workspaces().list()]


@_safe
def styles(_: str) -> list[str]:
    from writeit.entrypoints.container import Container

    return Container().templates().styles()


@_safe
def pipeline_ids(_: str) -> list[str]:
    async def ids() -> list[str]:
        async with open_container() as container:
            return [s.id for s in await container.pipelines().summaries()]

    return asyncio.run(ids())
