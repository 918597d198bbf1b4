"""Small modal dialogs of the step view: feedback, merge and export; each dismisses with what was asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, Switch

from writeit.application.export_formats import FORMATS, SUFFIXES, Format


class FeedbackDialog(ModalScreen[str | None]):
    """Asks for feedback on the step; dismisses with the text (the step is then regenerated with it)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Feedback for the next round (enter regenerates every candidate, esc cancels)")
            yield Input(placeholder="e.g. shorter, and open with the benchmark", id="feedback")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.dismiss(text)
        else:
            self.notify("Type some feedback first, or press esc.", severity="warning")


class BranchNameDialog(ModalScreen[None]):
    """Names a new branch (the default prefilled); `fork` tries the name and returns why it was refused, or None
    when done: the dialog stays open on a refusal, with the reason under the name."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#branch-name"

    def __init__(self, step: str, default: str, fork: Callable[[str], Awaitable[str | None]]) -> None:
        super().__init__()
        self._step, self._default, self._fork = step, default, fork

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Fork a new branch at step '{self._step}': its name (enter forks, esc cancels)")
            yield Input(self._default, id="branch-name")
            yield Static("", id="branch-error", classes="field-error")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        refused = await self._fork(event.value.strip())
        error = self.query_one("#branch-error", Static)
        error.update(Text(refused or "", "red"))
        error.set_class(bool(refused), "-shown")
        if not refused:
            self.dismiss(None)


@dataclass(frozen=True, slots=True)
class MergeRequest:
    by_hand: bool
    instruction: str = ""
    model: str = ""
    recipe: str = ""
    guided: bool = False  # list the points first, to tick and order (a guided merge)


NO_RECIPE = "(no recipe)"


class MergeDialog(ModalScreen[MergeRequest | None]):
    """Merge the marked candidates: enter asks a model (with an instruction and/or a recipe), ctrl+g lists their
    points first to tick (a guided merge), ctrl+e opens them for a hand merge."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+e", "by_hand", "Merge by hand", priority=True),
        Binding("ctrl+g", "guided", "Guided merge", priority=True),
    ]

    def __init__(self, count: int, recipes: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self._count = count
        self._recipes = list(recipes)  # (name, description)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                f"Merge {self._count} candidates. Enter: ask a model. Ctrl+G: tick their points first. "
                "Ctrl+E: merge by hand. Esc: cancel."
            )
            yield Input(
                placeholder="instruction, e.g. keep the first's structure and the second's examples", id="instruction"
            )
            yield Select(
                [(NO_RECIPE, ""), *((f"{name}: {about}" if about else name, name) for name, about in self._recipes)],
                value="",
                allow_blank=False,
                id="recipe",
            )
            yield Input(placeholder="model (empty: the default model)", id="model")

    def _request(self, *, guided: bool = False) -> MergeRequest:
        instruction = self.query_one("#instruction", Input).value.strip()
        recipe = cast(str, self.query_one("#recipe", Select).value)
        model = self.query_one("#model", Input).value.strip()
        default = "" if recipe or guided else "Keep the best of each."
        return MergeRequest(False, instruction or default, model, recipe, guided)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self._request())

    def action_guided(self) -> None:
        self.dismiss(self._request(guided=True))

    def action_by_hand(self) -> None:
        self.dismiss(MergeRequest(True))


@dataclass(frozen=True, slots=True)
class ExportRequest:
    format: Format
    path: Path
    appendix: bool


EXPORT_CHOICES: dict[Format, str] = {
    "markdown": "Markdown article",
    "json": "JSON history",
    "yaml": "YAML history",
    "jsonl": "JSON lines of events",
}


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Where and how to export: Markdown (the article), or the whole history in any format the CLI writes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#path"

    def __init__(self, default_stem: Path) -> None:
        super().__init__()
        self._stem = default_stem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Export (enter writes the file, esc cancels)")
            yield Select(
                [(EXPORT_CHOICES[f], f) for f in FORMATS],
                value="markdown",
                allow_blank=False,
                id="format",
            )
            yield Input(str(self._stem.with_suffix(".md")), id="path")
            with Vertical(classes="inline"):
                yield Label("Appendix with the other candidates (Markdown only)")
                yield Switch(False, id="appendix")
            yield Static("", id="export-hint")

    def on_select_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#path", Input)
        suffix = SUFFIXES[cast(Format, event.value)]
        path.value = str(Path(path.value or str(self._stem)).with_suffix(suffix))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = self.query_one("#path", Input).value.strip()
        if not value:
            self.notify("Give a path to write to.", severity="warning")
            return
        fmt = cast(Format, self.query_one("#format", Select).value)
        self.dismiss(ExportRequest(fmt, Path(value).expanduser(), self.query_one("#appendix", Switch).value))
