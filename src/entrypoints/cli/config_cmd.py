"""`writeit config`: the settings in force, and setting one in the global or workspace config file."""

from __future__ import annotations

import typer

from writeit.entrypoints.cli.common import fail, handled, print_json

app = typer.Typer(help="Show and change settings.", no_args_is_help=True)


@app.command("show")
@handled
def show(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Every setting with the value in force (defaults < global < workspace config < WRITEIT_* env)."""
    from writeit.entrypoints.settings import Settings

    values = Settings.load().as_dict()
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        typer.echo(f"{key} = {value}")


@app.command("set")
@handled
def set_value(
    key: str = typer.Argument(..., help="Setting name, e.g. default_model or concurrency."),
    value: str = typer.Argument(..., help="New value (YAML scalar; empty string removes the key)."),
    workspace: bool = typer.Option(False, "--workspace-only", help="Write to the active workspace's config."),
) -> None:
    """Set one setting in the global config file (or the workspace's), validated before it is written."""
    import yaml

    from writeit.entrypoints import config_files
    from writeit.entrypoints.settings import Settings

    names = [name for name in Settings.names() if name != "home"]
    if key not in names:
        raise fail(f"unknown setting '{key}' (settings: {', '.join(names)})")
    parsed = yaml.safe_load(value) if value != "" else None
    if parsed is not None:
        # refuse a bad value before writing it
        Settings.load().replaced(origin=f"writeit config set {key}", **{key: parsed})
    base = config_files.home()
    path = (
        config_files.workspace_config(config_files.active_workspace(base), base)
        if workspace
        else config_files.global_config(base)
    )
    config_files.write(path, key, parsed)
    typer.echo(f"{key} = {parsed} in {path}")
