"""`writeit config`: the settings in force, and setting one in the global or workspace config file."""

from __future__ import annotations

import typer

from writeit.entrypoints.cli.common import fail, handled, print_json

app = typer.Typer(help="Show and change settings.", no_args_is_help=True)


@app.command("show")
@handled
def show(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Every setting with the value in force (defaults < global < workspace config < WRITEIT_* env).

    An unset default_model shows the model that answers in its place (found as `writeit models` finds it)."""
    from writeit.entrypoints.container import Container
    from writeit.entrypoints.settings import redacted

    container = Container()
    values = container.settings().as_dict()
    values["store"] = redacted(values["store"])  # a URL's password is never shown
    found = values["default_model"] is None
    if found:
        values["default_model"] = container.default_model()
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        note = "  (not set: the default found here)" if key == "default_model" and found else ""
        typer.echo(f"{key} = {value}{note}")


@app.command("set")
@handled
def set_value(
    key: str = typer.Argument(..., help="Setting name, e.g. default_model or concurrency."),
    value: str = typer.Argument(..., help='New value; "" (or null) removes the key, any key, even an unknown one.'),
    workspace: bool = typer.Option(False, "--workspace-only", help="Write to the active workspace's config."),
) -> None:
    """Set one setting in the global config file (or the workspace's), checked before it is written.

    Only this value is checked, so a config that is broken elsewhere can still be mended with this command.
    """
    from writeit.application.workspaces import check_name
    from writeit.entrypoints import config_files
    from writeit.entrypoints.settings import Settings, redacted, unknown_setting

    base = config_files.home()
    path = config_files.global_config(base)
    if workspace:
        name = check_name(config_files.active_workspace(base))
        if name != "default" and not (base / "workspaces" / name).is_dir():
            raise fail(f"no workspace '{name}' (create it with `writeit workspace create {name}`)")
        path = config_files.workspace_config(name, base)
    if value.strip() in ("", "null", "~"):
        config_files.write(path, key, None)
        typer.echo(f"{key} removed from {path}")
        return
    if key not in Settings.names() or key == "home" or (key == "workspace" and workspace):
        hint = "set WRITEIT_HOME" if key == "home" else "a workspace's config cannot choose the workspace"
        raise fail(unknown_setting(key) if key not in Settings.names() else f"{key}: {hint}")
    parsed = Settings.parse(key, value, origin=f"writeit config set {key}")
    config_files.write(path, key, parsed)
    typer.echo(f"{key} = {redacted(parsed)} in {path}")
