"""CandidateDeck: a step's candidates side by side, or in tabs when the terminal is narrow."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.containers import Container, HorizontalScroll
from textual.widgets import Static, TabbedContent, TabPane

from writeit.entrypoints.tui.widgets.candidate import CandidatePanel

NARROW_BELOW = 100  # columns: below this, candidates go in tabs (side by side they would be too thin to read)
PANEL_MIN = 36  # columns: when the panels cannot all be this wide, they keep it and the row scrolls sideways


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
                    with TabPane(tab_label(panel), id=pane_id(panel.candidate.id)):
                        yield panel
        else:
            with HorizontalScroll():
                yield from self.panels

    def show_progress(self) -> None:
        """Bring each tab's label up to date with its candidate's progress (tabs only: panels show their own)."""
        if not self.narrow or not self.panels:
            return
        tabs = self.query_one(TabbedContent)
        for panel in self.panels:
            tab = tabs.get_tab(pane_id(panel.candidate.id))
            label = tab_label(panel)
            if tab.label_text != label:
                tab.label = label

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


def tab_label(panel: CandidatePanel) -> str:
    """Short, as tabs share one line: the model (or what the writer made) and how its answer is going, so a
    candidate streaming in a tab not shown still shows its progress."""
    c = panel.candidate
    who = c.model if c.origin == "generated" else ("edit" if c.origin == "edited" else "merge")
    return f"{panel.number} {who} {panel.progress()}" + (" (earlier)" if panel.earlier else "")


def pane_id(candidate_id: str) -> str:
    return f"pane-{candidate_id}"


def by_id(panels: Iterable[CandidatePanel]) -> dict[str, CandidatePanel]:
    return {p.candidate.id: p for p in panels}
