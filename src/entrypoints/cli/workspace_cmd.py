"""`writeit workspace` and `writeit init`: separate stores, templates and styles under one home."""

from __future__ import annotations

import typer

from writeit.application.workspaces import WorkspaceInfo, WorkspaceService
from writeit.entrypoints.cli import completion
from writeit.entrypoints.cli.common import handled, print_json
from writeit.entrypoints.cli.messages import confirm

app = typer.Typer(help="Create, list, switch and remove workspaces.", no_args_is_help=True)


def _service() -> WorkspaceService:
    from writeit.entrypoints.container import Container

    return Container().workspaces()


def _line(info: WorkspaceInfo) -> str:
    mark = "*" if info.active else " "
    return f"{mark} {info.name:<20} {info.size_bytes / 1024:>9.1f} KiB  {info.path}"


@app.command("create")
@handled
def create(name: str = typer.Argument(..., help="New workspace name.")) -> None:
    """Create a workspace with its own store, templates/ and styles/."""
    info = _service().create(name)
    typer.echo(f"created workspace '{info.name}' at {info.path}")


@app.command("list")
@handled
def list_workspaces(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Every workspace; * marks the active one."""
    infos = _service().list()
    if as_json:
        print_json(infos)
        return
    for info in infos:
        typer.echo(_line(info))


@app.command("use")
@handled
def use(
    name: str = typer.Argument(..., help="Workspace to make active.", autocompletion=completion.workspaces),
) -> None:
    """Make a workspace the active one for later commands."""
    info = _service().use(name)
    typer.echo(f"now using workspace '{info.name}'")


@app.command("remove")
@handled
def remove(
    name: str = typer.Argument(..., help="Workspace to remove.", autocompletion=completion.workspaces),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Move a workspace to WRITEIT_HOME/trash (its data is kept there)."""
    service = _service()
    service.check_removable(name)  # before asking: a name that cannot be removed is refused at once
    confirm(f"Move workspace '{name}' to the trash?", yes=yes)
    moved = service.remove(name)
    typer.echo(f"removed workspace '{name}'; its data is in {moved}")


@app.command("info")
@handled
def info(
    name: str | None = typer.Argument(
        None, help="Workspace (default: the active one).", autocompletion=completion.workspaces
    ),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Where a workspace lives and what it holds."""
    details = _service().info(name)
    if as_json:
        print_json(details)
        return
    typer.echo(f"workspace {details.name}{' (active)' if details.active else ''}")
    typer.echo(f"  path       {details.path}")
    typer.echo(f"  on disk    {details.size_bytes / 1024:.1f} KiB")
    typer.echo(f"  templates  {details.templates}")
    typer.echo(f"  styles     {details.styles}")


@handled
def init() -> None:
    """Create WRITEIT_HOME with its global templates/ and styles/ and the default workspace."""
    from writeit.entrypoints import config_files

    home = config_files.home()
    for sub in ("templates", "styles"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    service = _service()
    active = service.info().name
    if active not in {w.name for w in service.list() if (home / "workspaces" / w.name).is_dir()}:
        service.create(active)
    typer.echo(f"WriteIt home ready at {home} (workspace '{active}')")
