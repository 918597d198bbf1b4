"""`writeit backup`, `writeit restore` and `writeit pipelines import`: moving whole stores and histories."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from writeit.entrypoints.cli.common import fail, handled, run_async
from writeit.entrypoints.cli.messages import confirm

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container


@handled
def backup(
    target: Path | None = typer.Argument(None, help="New directory for the copy (default: WRITEIT_HOME/backups/…)."),
) -> None:
    """Make one consistent, compacted copy of the active workspace's store."""
    from writeit.entrypoints import config_files

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    base = config_files.home()
    chosen = target or base / "backups" / f"{config_files.active_workspace(base)}-{stamp}"

    async def main(container: Container) -> int:
        size: int = container.backup(target=chosen)
        return size

    size = run_async(main)
    typer.echo(f"backed up to {chosen} ({size / 1024:.1f} KiB)")


@handled
def restore(
    source: Path = typer.Argument(..., help="A directory made by `writeit backup`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Replace the active workspace's store with a backup (the current store is kept beside it)."""
    from writeit.entrypoints.container import Container

    confirm(f"Replace this workspace's store with {source}?", yes=yes)
    previous = Container().restore(source=source)
    kept = f"; the previous store is kept in {previous}" if previous else ""
    typer.echo(f"restored from {source}{kept}")


@handled
def import_history(
    file: Path = typer.Argument(..., help="A history from `writeit pipelines export -f json` (or `-f jsonl`)."),
) -> None:
    """Import an exported pipeline (its whole history) into the active workspace."""
    from writeit.entrypoints.formats import HistoryFormatError, parse_history

    try:
        history = parse_history(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: cannot read ({exc})") from None
    except HistoryFormatError as exc:
        raise fail(f"{file}:{exc}") from None

    async def main(container: Container) -> str:
        view = await container.pipelines().import_history(history)
        return view.id

    typer.echo(f"imported pipeline {run_async(main)}")
