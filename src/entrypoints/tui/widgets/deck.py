"""CandidateDeck: a step's candidates side by side, or in tabs when the terminal is narrow."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.containers import Container, HorizontalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static, Tab, TabbedContent, TabPane, Tabs
from textual.widgets._tabs import Underline

from writeit.entrypoints.tui.widgets.candidate import CandidatePanel

UNDERLINE_SETTLES = 0.4  # seconds: Textual's own move of a tab's underline is over by then (a 0.3 s slide)
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
        self._underline_check: Timer | None = None

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

    def on_mount(self) -> None:
        if self.narrow and self.panels:
            self.screen.screen_layout_refresh_signal.subscribe(self, self._look_at_underline)

    def _look_at_underline(self, _: Screen[object]) -> None:
        """After a layout, an underline not under the active tab is looked at again once Textual's own move (a
        refresh later, then a 0.3 s slide) is over: a tab switch is left to slide, a stale underline is moved."""
        if self._underline_check is None and self._underline_astray():
            self._underline_check = self.set_timer(UNDERLINE_SETTLES, self._align_underline)

    def _align_underline(self) -> None:
        """Textual moves the underline a refresh after a relabel, to the tab as then laid out; when that ran before
        the relabelled tab's layout (a loaded machine), it kept the old label's width for good. Move it again."""
        self._underline_check = None
        tabs = self._tabs()
        if tabs is None or not self._underline_astray():
            return
        underline = tabs.query_one(Underline)
        if any(self.app.animator.is_being_animated(underline, a) for a in ("highlight_start", "highlight_end")):
            self._underline_check = self.set_timer(UNDERLINE_SETTLES, self._align_underline)
        else:
            tabs._highlight_active()

    def _underline_astray(self) -> bool:
        tabs = self._tabs()
        active = tabs.active_tab if tabs is not None else None
        if tabs is None or active is None:
            return False
        underline = tabs.query_one(Underline)
        return (underline.highlight_start, underline.highlight_end) != under(active)

    def _tabs(self) -> Tabs | None:
        """The tab bar, or None while the deck is being taken down."""
        return next(iter(self.query(Tabs)), None)

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


def under(tab: Tab) -> tuple[int, int]:
    """The columns a tab's underline spans: the tab's, padding aside (as Textual's Tabs computes them)."""
    return tab.virtual_region.shrink(tab.styles.gutter).column_span


def pane_id(candidate_id: str) -> str:
    return f"pane-{candidate_id}"


def by_id(panels: Iterable[CandidatePanel]) -> dict[str, CandidatePanel]:
    return {p.candidate.id: p for p in panels}
