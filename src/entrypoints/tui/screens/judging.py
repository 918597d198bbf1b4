"""The step view's judge key: ask a judge model (chosen as for merges) to score the step's candidates on criteria;
the recorded scores show in the judge's table beside the candidates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from writeit.entrypoints.tui.screens.step_branches import StepBranchScreen

_KEPT = ("cancelled", "interrupted")  # stopped, but with text a judge can read


@dataclass(frozen=True, slots=True)
class JudgeRequest:
    model: str  # empty: the default model
    criteria: tuple[str, ...]  # empty: the step's criteria in its template, else the judge's defaults


class JudgeDialog(ModalScreen[JudgeRequest | None]):
    """The judge's model and, optionally, criteria (comma-separated); enter asks, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#judge-model"

    def __init__(self, count: int) -> None:
        super().__init__()
        self._count = count

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Judge {self._count} candidates: scores and reasons per criterion. Enter: ask. Esc: cancel.")
            yield Input(placeholder="model (empty: the default model)", id="judge-model")
            yield Input(
                placeholder="criteria, comma-separated (empty: the step's own, else clarity, accuracy, fit)",
                id="judge-criteria",
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        model = self.query_one("#judge-model", Input).value.strip()
        criteria = self.query_one("#judge-criteria", Input).value.split(",")
        self.dismiss(JudgeRequest(model, tuple(c.strip() for c in criteria if c.strip())))


class StepJudgeScreen(StepBranchScreen):
    def action_judge(self) -> None:
        if self.view is None:
            return
        step = self.view.step(self.step_key)
        count = sum(c.status == "completed" or (bool(c.text) and c.status in _KEPT) for c in step.candidates)
        if not count:
            self.notify("There is no candidate with text to judge yet: g generates them.", severity="warning")
            return

        def chosen(request: JudgeRequest | None) -> None:
            if request is not None:
                self._judge(request)

        self.app.push_screen(JudgeDialog(count), chosen)

    @work(group="judge", exit_on_error=False)
    async def _judge(self, request: JudgeRequest) -> None:
        self.notify(f"Judging with {request.model or 'the default model'}…")
        judge = self.pipelines.judge(
            self.pipeline_id, self.step_key, request.model or None, request.criteria, branch=self.branch
        )
        if (found := await self.act(judge, "judge")) is None:
            return
        await self.reload()
        if found.error:
            self.notify(f"The judge gave no scores: {found.error}", severity="error", timeout=10, markup=False)
        else:
            self.notify(f"Judged on {', '.join(found.criteria)}: the table is below the candidates.")
