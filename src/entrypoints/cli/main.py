"""The headless commands. Heavy imports wait inside commands so `--help` stays instant."""

from __future__ import annotations

import typer

from writeit.entrypoints.cli import models_cmd, pipelines_cmd, run_cmd, templates_cmd

app = typer.Typer(
    name="writeit",
    help="Write with several language models at once, keeping editorial control.",
    no_args_is_help=False,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("run")(run_cmd.run)
app.command("models")(models_cmd.models)
app.add_typer(templates_cmd.app, name="templates")
app.add_typer(pipelines_cmd.app, name="pipelines")
