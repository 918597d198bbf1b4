"""The guided merge's checklist of points (tick and order them) and the tracked changes of a revision."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from writeit.application.guided_merge import ExtractionView
from writeit.application.tracked_changes import ChangesView
from writeit.domain.state import Point


class PointsChecklist(ModalScreen[list[str] | None]):
    """Every point the model found, all ticked; space unticks, shift+up/down moves the point, enter merges the
    ticked ones in the order shown. Dismisses with their ids, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("space", "tick", "Tick"),
        Binding("shift+up", "move(-1)", "Move up"),
        Binding("shift+down", "move(1)", "Move down"),
        Binding("enter", "merge", "Merge ticked"),
    ]

    def __init__(self, extraction: ExtractionView, labels: dict[str, str]) -> None:
        super().__init__()
        self.points: list[Point] = list(extraction.points)
        self.ticked: set[str] = {p.id for p in self.points}
        self.cursor = 0
        self._labels = labels  # candidate id -> what the step view calls it ("1", "2", ...)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog diff"):
            yield Label(
                Text("Points to merge: space ticks, shift+↑/↓ reorders, enter merges the ticked ones, esc", "bold")
            )
            with VerticalScroll():
                yield Static(self._listing(), id="points")

    def _listing(self) -> Text:
        text = Text()
        for i, point in enumerate(self.points):
            box = "[x]" if point.id in self.ticked else "[ ]"
            sources = ", ".join(self._labels.get(s, s[:8]) for s in point.sources) or "?"
            line = f"{'>' if i == self.cursor else ' '} {box} {point.id} {point.text}  (from {sources})\n"
            text.append(line, "reverse" if i == self.cursor else "" if point.id in self.ticked else "dim")
        return text

    def _refresh(self) -> None:
        self.query_one("#points", Static).update(self._listing())

    def action_cursor(self, by: int) -> None:
        self.cursor = max(0, min(len(self.points) - 1, self.cursor + by))
        self._refresh()

    def action_tick(self) -> None:
        self.ticked.symmetric_difference_update({self.points[self.cursor].id})
        self._refresh()

    def action_move(self, by: int) -> None:
        to = self.cursor + by
        if 0 <= to < len(self.points):
            self.points[self.cursor], self.points[to] = self.points[to], self.points[self.cursor]
            self.cursor = to
            self._refresh()

    def action_merge(self) -> None:
        chosen = [p.id for p in self.points if p.id in self.ticked]
        if not chosen:
            self.notify("Tick at least one point (space), or press esc.", severity="warning")
            return
        self.dismiss(chosen)


class ChangesScreen(ModalScreen[tuple[list[int], list[int]] | None]):
    """A revision's changes, each accepted at first: r rejects (undoes) the one under the cursor, a accepts it,
    enter applies them as your edit. Dismisses with (accepted, rejected) change numbers, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("a", "decide(True)", "Accept"),
        Binding("r", "decide(False)", "Reject"),
        Binding("enter", "apply", "Apply"),
    ]

    def __init__(self, view: ChangesView, title: str) -> None:
        super().__init__()
        self.view = view
        self.accepted: dict[int, bool] = {c.n: True for c in view.changes}
        self.cursor = 0
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog diff"):
            yield Label(Text(f"{self._title}: a accepts, r rejects, enter applies as your edit, esc", "bold"))
            with VerticalScroll():
                yield Static(self._listing(), id="changes")

    def _listing(self) -> Text:
        text = Text()
        for i, change in enumerate(self.view.changes):
            mark = "✓" if self.accepted[change.n] else "✗"
            text.append(
                f"{'>' if i == self.cursor else ' '} {mark} {change.n:>3} ", "reverse" if i == self.cursor else ""
            )
            text.append(change.before.strip() or "", "red strike" if self.accepted[change.n] else "red")
            text.append(" → ")
            text.append(change.after.strip() or "", "green" if self.accepted[change.n] else "green strike")
            text.append("\n")
        return text

    def action_cursor(self, by: int) -> None:
        self.cursor = max(0, min(len(self.view.changes) - 1, self.cursor + by))
        self.query_one("#changes", Static).update(self._listing())

    def action_decide(self, accept: bool) -> None:
        self.accepted[self.view.changes[self.cursor].n] = accept
        self.action_cursor(1)

    def action_apply(self) -> None:
        self.dismiss(decisions(self.accepted))


def decisions(accepted: dict[int, bool]) -> tuple[list[int], list[int]]:
    return [n for n, yes in accepted.items() if yes], [n for n, yes in accepted.items() if not yes]
