"""Saved pipelines, newest first; opening one recovers it and continues where it was, on its branch."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from writeit.application import commands as cmd
from writeit.application.service import PipelineService
from writeit.entrypoints.tui.guard import attempt


class PipelineListScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, pipelines: PipelineService) -> None:
        super().__init__()
        self.pipelines = pipelines

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Saved pipelines: enter continues one where it was.", "bold"))
        table: DataTable[Text | str] = DataTable(cursor_type="row", zebra_stripes=True, id="pipelines")
        table.add_columns("Id", "Template", "Branch", "State", "Updated", "Title")
        yield table
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        summaries = await attempt(self, self.pipelines.summaries(), "list pipelines") or []
        for s in sorted(summaries, key=lambda s: s.updated_at, reverse=True):
            state = Text("complete", "green") if s.completed else Text(f"at {s.current_step}")
            branches = f"{s.branch} (+{s.branches - 1})" if s.branches > 1 else s.branch
            table.add_row(s.id[:8], s.template, branches, state, s.updated_at[:16].replace("T", " "), s.title, key=s.id)
        if not summaries:
            self.notify("No saved pipelines yet: pick a template to start one.")
        table.focus()

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        pipeline_id = event.row_key.value
        if pipeline_id is None:
            return
        # Candidates left pending by a process that stopped are marked interrupted, so their step can run again.
        recover = self.pipelines.handle(cmd.Recover(pipeline_id=pipeline_id))
        interrupted = await attempt(self, recover, "recover the pipeline")
        if interrupted:
            self.notify(f"{len(interrupted)} candidate(s) interrupted when WriteIt last stopped are marked so.")
        from writeit.entrypoints.tui.screens.step import StepScreen  # here: the idle picker does without it

        self.app.switch_screen(StepScreen(self.pipelines, pipeline_id))  # not awaited: it removes this screen
