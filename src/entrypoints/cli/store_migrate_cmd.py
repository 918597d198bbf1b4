"""`writeit store migrate --to URL|DIR`: copy the active workspace's events to another store, verified equal."""

from __future__ import annotations

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
) -> None:
    """Copy every event of the active workspace, in order, to an empty store; then compare them event for event.

    Into PostgreSQL the workspace gets its schema (writeit_<workspace>) there; a directory becomes an LMDB store
    that `writeit restore DIR` adopts. Projections and snapshots rebuild by themselves; recorded answers stay."""
    from writeit.application.migration import copy_events
    from writeit.entrypoints.container import event_store_at
    from writeit.entrypoints.settings import redacted

    async def main(container: Container) -> tuple[int, int]:
        settings = container.settings()
        with event_store_at(to, settings.workspace, settings.map_size) as target:
            copied = await copy_events(container.event_store(), target)
        return copied.pipelines, copied.events

    pipelines, events = run_async(main)
    typer.echo(f"copied {events} events of {pipelines} pipelines to {redacted(to)}; verified equal event for event")
