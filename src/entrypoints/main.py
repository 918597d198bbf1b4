"""`writeit`: the root command, composing the CLI's commands with the TUI and the API server."""

from __future__ import annotations

import os

import typer

from writeit import __version__
from writeit.entrypoints.cli.main import app


def _version(value: bool) -> None:
    if value:
        typer.echo(f"writeit {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    workspace: str | None = typer.Option(
        None, "--workspace", "-w", envvar="WRITEIT_WORKSPACE", help="Workspace to use for this command."
    ),
) -> None:
    """Write with several language models at once, keeping editorial control."""
    if workspace:
        os.environ["WRITEIT_WORKSPACE"] = workspace  # read by Settings wherever the container is built
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def run() -> None:
    app()
