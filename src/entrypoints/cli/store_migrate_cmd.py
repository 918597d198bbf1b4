"""`writeit store migrate --to URL|DIR [--all]`: copy workspaces' events to another store, verified equal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from writeit.entrypoints.cli.common import handled, run_async

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container

app = typer.Typer(help="Move a workspace's store between LMDB and PostgreSQL.", no_args_is_help=True)


@app.command("migrate")
@handled
def migrate(
    to: str = typer.Option(..., "--to", help="postgresql://user@host:port/db, or a new directory for an LMDB store."),
    every: bool = typer.Option(False, "--all", help="Every workspace (an LMDB target gets one directory each)."),
) -> None:
    """Copy every event of the active workspace (or of each, with --all), in order, to an empty store; then
    compare them event for event.

    Into PostgreSQL a workspace gets its schema (writeit_<workspace>) there; a directory becomes an LMDB store
    that `writeit restore DIR` adopts (with --all: DIR/<workspace>, adopted by `writeit -w NAME restore`).
    Projections and snapshots rebuild by themselves; recorded answers stay behind."""
    import re

    from writeit.entrypoints.container import Container
    from writeit.entrypoints.settings import STORE_URL_PATTERN, redacted

    if not every:
        _copy(to, redacted(to))
        return
    for name in [info.name for info in Container().workspaces().list()]:
        os.environ["WRITEIT_WORKSPACE"] = name  # read by the settings of the container each copy opens
        target = to if re.match(STORE_URL_PATTERN, to) else str(Path(to).expanduser() / name)
        _copy(target, f"{redacted(target)} (workspace {name})")


def _copy(to: str, shown: str) -> None:
    from writeit.application.migration import copy_events
    from writeit.entrypoints.container import event_store_at

    async def main(container: Container) -> tuple[int, int]:
        settings = container.settings()
        with event_store_at(to, settings.workspace, settings.map_size) as target:
            copied = await copy_events(container.event_store(), target)
        return copied.pipelines, copied.events

    pipelines, events = run_async(main)
    typer.echo(f"copied {events} events of {pipelines} pipelines to {shown}; verified equal event for event")
