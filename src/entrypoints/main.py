"""`writeit`: the root command, composing the CLI's commands with the TUI and the API server."""

from __future__ import annotations

import itertools
import os
import sys

import typer
import typer.main
from typer.core import TyperGroup, TyperOption

from writeit import __version__
from writeit.entrypoints.cli.common import handled
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
    no_server: bool = typer.Option(False, "--no-server", help="Open the TUI without its embedded API server."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port of the TUI's API server (0: any free one)."),
) -> None:
    """Write with several language models at once, keeping editorial control."""
    if workspace:
        os.environ["WRITEIT_WORKSPACE"] = workspace  # read by Settings wherever the container is built
    if ctx.invoked_subcommand is None:
        from writeit.entrypoints.launch import launch  # Textual loads only when the TUI opens

        launch(serve=not no_server, port=port)


@app.command("serve")
@handled
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; beyond loopback needs a token."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
) -> None:
    """Serve the REST + WebSocket API (docs at /docs). Off loopback, WRITEIT_API_TOKEN must be set."""
    from writeit.entrypoints.api.server import serve as serve_api

    serve_api(host, port)


def _takes_value(command: object, arg: str) -> bool:
    """Whether `arg` is an option of `command` whose value is the next argument (`-m`, not `-mecho`)."""
    for param in getattr(command, "params", []):
        if isinstance(param, TyperOption) and not param.is_flag and not param.count and arg in param.opts:
            return True
    return False


def workspace_first(args: list[str]) -> list[str]:
    """`args` with every `--workspace NAME` / `-w NAME` moved before the subcommand, where the root takes it,
    so every command accepts it in any place (up to a `--`, after which everything is an argument).

    The invoked command path is followed so that another option's value (`--feedback -wordier`) stays put."""
    command: object = typer.main.get_command(app)  # typer's vendored click: its classes are typer.core's
    moved: list[str] = []
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            rest += [arg, *items]
        elif arg in ("--workspace", "-w"):
            moved += [arg, next(items, "")]
        elif arg.startswith("--workspace=") or (arg.startswith("-w") and not arg.startswith("--")):
            moved.append(arg)
        elif _takes_value(command, arg):
            rest += [arg, *itertools.islice(items, 1)]
        else:
            if isinstance(command, TyperGroup) and arg in command.commands:
                command = command.commands[arg]
            rest.append(arg)
    return moved + rest


def run() -> None:
    """The `writeit` command: click's own usage errors are printed made safe too, and a closed stdout
    (`writeit ... | head`) ends the command quietly, also when only the last flush finds it closed."""
    from writeit.entrypoints.cli.common import reader_gone
    from writeit.entrypoints.cli.messages import ClickException
    from writeit.entrypoints.display import clean

    try:
        code = app(args=workspace_first(sys.argv[1:]), standalone_mode=False)
        sys.stdout.flush()
    except ClickException as exc:
        exc.message = clean(exc.message)  # type: ignore[attr-defined]
        exc.show()  # type: ignore[attr-defined]
        code = getattr(exc, "exit_code", 2)
    except typer.Abort:
        typer.echo("error: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        code = reader_gone().exit_code
    sys.exit(code if isinstance(code, int) else 0)
