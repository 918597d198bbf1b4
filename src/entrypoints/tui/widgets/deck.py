"""CandidateDeck: a step's candidates side by side, or in tabs when the terminal is narrow."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.containers import Container, HorizontalScroll
from textual.widgets import Static, TabbedContent, TabPane

from writeit.application.views import CandidateView, StepView
from writeit.entrypoints.tui.widgets.candidate import CandidatePanel

NARROW_BELOW = 100  # columns: below this, candidates go in tabs (side by side they would be too thin to read)
PANEL_MIN = 36  # columns: when the panels cannot all be this wide, they keep it and the row scrolls sideways


def visible_candidates(step: StepView, *, everything: bool = False) -> list[CandidateView]:
    """The candidates worth showing: those since the last round of several (a lone regeneration joins its
    siblings), plus the selected one; `everything` shows every round."""
    if everything:
        return list(step.candidates)
    rounds: dict[int, int] = {}
    for c in step.candidates:
        if c.origin == "generated":
            rounds[c.generation] = rounds.get(c.generation, 0) + 1
    full = [g for g, n in rounds.items() if n > 1]
    since = max(full) if full else max(rounds, default=0)
    return [c for c in step.candidates if c.generation >= since or c.id == step.selected]


class CandidateDeck(Container):
    """Lays out the panels once; the step screen replaces the whole deck when the set of candidates changes."""

    def __init__(self, panels: Sequence[CandidatePanel], *, width: int, empty: str = "") -> None:
        self.panels = list(panels)
        self.arrangement = self.layout_for(width)
        super().__init__(classes=f"deck -{self.arrangement}")
        self.narrow = self.arrangement == "narrow"
        self._empty = empty

    def layout_for(self, width: int) -> str:
        """'narrow' (tabs), 'crowded' (side by side at PANEL_MIN, scrolling sideways) or 'wide'."""
        if width < NARROW_BELOW:
            return "narrow"
        return "crowded" if len(self.panels) * PANEL_MIN > width else "wide"

    def compose(self) -> ComposeResult:
        if not self.panels:
            yield Static(self._empty, classes="deck-empty")
        elif self.narrow:
            with TabbedContent():
                for panel in self.panels:
                    with TabPane(f"{panel.number} {panel.candidate.model}", id=pane_id(panel.candidate.id)):
                        yield panel
        else:
            with HorizontalScroll():
                yield from self.panels

    def ids(self) -> list[str]:
        return [p.candidate.id for p in self.panels]

    def show_panel(self, panel: CandidatePanel) -> None:
        """Bring `panel` into view (its tab, when in tabs) and focus it."""
        if self.narrow:
            self.query_one(TabbedContent).active = pane_id(panel.candidate.id)
        panel.focus()

    def active_panel(self) -> CandidatePanel | None:
        if not self.narrow or not self.panels:
            return None
        active = self.query_one(TabbedContent).active
        return next((p for p in self.panels if pane_id(p.candidate.id) == active), None)


def pane_id(candidate_id: str) -> str:
    return f"pane-{candidate_id}"


def by_id(panels: Iterable[CandidatePanel]) -> dict[str, CandidatePanel]:
    return {p.candidate.id: p for p in panels}
