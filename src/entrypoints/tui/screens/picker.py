"""The first screen: pick a pipeline template (workspace, then global, then built-in), or resume a pipeline."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from writeit.application.service import PipelineService
from writeit.application.templates import TemplateService
from writeit.entrypoints.tui.guard import attempt, report

# The other screens (and the widgets they use) are imported when opened: the picker is what an idle TUI shows,
# and its memory is measured (benchmarks/tui_frames.py).

_ORIGIN_STYLE = {"workspace": "bold green", "global": "bold cyan", "builtin": "dim"}


class TemplatePickerScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick", "Start", show=False),
        Binding("o", "open_saved", "Open saved"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, pipelines: PipelineService, templates: TemplateService) -> None:
        super().__init__()
        self.pipelines = pipelines
        self.templates = templates

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Pick a template (enter) to start a new piece of writing.", "bold"), id="picker-intro")
        table: DataTable[Text | str] = DataTable(cursor_type="row", zebra_stripes=True, id="templates")
        table.add_columns("Template", "From", "Steps", "Description")
        yield table
        yield Static("", id="picker-saved")
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        try:
            summaries = self.templates.list()
        except Exception as exc:
            report(self, exc, "list templates")
            summaries = []
        for s in summaries:
            origin = Text(s.origin, _ORIGIN_STYLE.get(s.origin, ""))
            table.add_row(Text(s.name, "bold"), origin, " → ".join(s.steps), s.description, key=s.name)
        table.focus()
        await self.count_saved()

    async def on_screen_resume(self) -> None:
        await self.count_saved()

    async def count_saved(self) -> None:
        saved = await attempt(self, self.pipelines.summaries(), "list pipelines")
        n = len(saved or [])
        hint = (
            f"{n} saved pipeline{'s' if n != 1 else ''}: o opens one to resume it." if n else "No saved pipelines yet."
        )
        self.query_one("#picker-saved", Static).update(Text(hint, "dim"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_form(event.row_key.value)

    def action_pick(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.open_form(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def open_form(self, name: str) -> None:
        try:
            template = self.templates.get(name)
        except Exception as exc:
            report(self, exc, f"open template '{name}'")
            return
        from writeit.entrypoints.tui.screens.form import InputFormScreen

        self.app.push_screen(InputFormScreen(self.pipelines, template, name))

    def action_open_saved(self) -> None:
        from writeit.entrypoints.tui.screens.pipelines import PipelineListScreen

        self.app.push_screen(PipelineListScreen(self.pipelines))

    def action_help(self) -> None:
        from writeit.entrypoints.tui.screens.editor import HelpScreen

        notes = "Templates come from the workspace first, then the global folder, then the built-ins."
        self.app.push_screen(HelpScreen("template picker", self.BINDINGS, notes))
