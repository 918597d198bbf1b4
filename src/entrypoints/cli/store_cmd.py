"""`writeit backup`, `writeit restore` and `writeit pipelines import`: moving whole stores and histories."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from writeit.application.commands import ImportHistory
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
    files: list[Path] = typer.Argument(
        ..., help="Histories from `writeit pipelines export -f json` (or `-f jsonl`); as many as you like."
    ),
) -> None:
    """Import exported pipelines (each its whole history) into the active workspace, in one process.

    Every file is read and checked first: if any is unreadable or inconsistent, nothing is imported. A pipeline
    that already exists here is refused on its own; the others are still imported.
    """
    from writeit.application.errors import ApplicationError

    histories = _read_histories(files)

    async def main(container: Container) -> list[str]:
        refused: list[str] = []
        for file, history in histories:
            try:
                view = await container.pipelines().handle(ImportHistory(history=history))
            except ApplicationError as exc:
                refused.append(f"{file}: {exc}" if len(files) > 1 else str(exc))
                continue
            typer.echo(f"imported pipeline {view.id}")
        return refused

    refused = run_async(main)
    if refused:
        raise fail("\n".join(refused))


def _read_histories(files: list[Path]) -> list[tuple[Path, Any]]:
    """Each file's history, read and checked (one pipeline each, none twice); raises the failure naming every
    file that is not, before anything is imported."""
    from writeit.application.errors import ApplicationError
    from writeit.application.export import read_history
    from writeit.application.history_text import HistoryFormatError, parse_history

    histories: list[tuple[Path, Any]] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for file in files:
        try:
            history = parse_history(file.read_text(encoding="utf-8"))
            pipeline_id = read_history(history)[0].id
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{file}: cannot read ({exc})")
        except HistoryFormatError as exc:
            problems.append(f"{file}:{exc}")
        except ApplicationError as exc:
            problems.append(f"{file}: {exc}")
        else:
            if pipeline_id in seen:
                problems.append(f"{file}: pipeline {pipeline_id} is also in {seen[pipeline_id]}")
            seen.setdefault(pipeline_id, file)
            histories.append((file, history))
    if problems:
        raise fail("\n".join([*problems, "nothing was imported"]) if len(files) > 1 else problems[0])
    return histories
