"""The headless commands. Heavy imports wait inside commands so `--help` stays instant."""

from __future__ import annotations

import typer

from writeit.entrypoints.cli import (
    config_cmd,
    journey_cmd,
    judge_cmd,
    merge_cmd,
    models_cmd,
    pipelines_cmd,
    preferences_cmd,
    round_cmd,
    run_cmd,
    store_cmd,
    store_migrate_cmd,
    styles_cmd,
    templates_cmd,
    workspace_cmd,
)

app = typer.Typer(
    name="writeit",
    help="Write with several language models at once, keeping editorial control.",
    no_args_is_help=False,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("run")(run_cmd.run)
app.add_typer(models_cmd.app, name="models")
models_cmd.app.command("leaderboard")(preferences_cmd.leaderboard)
app.add_typer(preferences_cmd.app, name="preferences")
app.add_typer(templates_cmd.app, name="templates")
app.add_typer(pipelines_cmd.app, name="pipelines")
app.add_typer(workspace_cmd.app, name="workspace")
app.add_typer(styles_cmd.app, name="styles")
app.add_typer(config_cmd.app, name="config")
app.add_typer(store_migrate_cmd.app, name="store")
app.command("init")(workspace_cmd.init)
app.command("backup")(store_cmd.backup)
app.command("restore")(store_cmd.restore)
pipelines_cmd.app.command("import")(store_cmd.import_history)
pipelines_cmd.app.command("judge")(judge_cmd.judge)
__all__ = ["app", "journey_cmd", "merge_cmd", "round_cmd"]  # imported for their commands, registered on `pipelines`
