"""What the CLI prints about a failure: safe for a terminal, short enough to read, and asked for when needed."""

from __future__ import annotations

import sys

import typer

from writeit.entrypoints.display import clean

# click's error base, which typer does not re-export (and from 0.28 vendors as typer._click): found by name.
ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def print_error(message: str) -> None:
    """One `error: ...` line per line of `message`, on stderr."""
    for line in clean(message).splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)


def confirm(question: str, *, yes: bool) -> None:
    """Go on only if `yes` was given or the writer at the terminal agrees; otherwise raise an Exit saying what
    to do (off a terminal nobody can answer, so the command says to add --yes instead of silently giving up)."""
    if yes:
        return
    if not sys.stdin.isatty():
        print_error(f"{question} Nothing was changed: add --yes to confirm without a terminal")
        raise typer.Exit(1)
    if not typer.confirm(question, default=False):
        print_error("not confirmed; nothing was changed")
        raise typer.Exit(1)
