"""A narrow step view's tabs: the active tab's underline follows its label when a candidate's progress relabels it.

Textual moves the underline from a callback that can run before the relabelled tab is laid out again; it then
spans the old label's width for good (seen about once in 30 loaded runs of the narrow-step snapshot). Here the
race is forced: the relabel and that callback happen inside one batch, so the layout only comes after them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from textual._types import AnimationLevel
from textual.app import App, ComposeResult
from textual.widgets import Tabs

from writeit.application.views import CandidateView
from writeit.entrypoints.tui.widgets.candidate import CandidatePanel
from writeit.entrypoints.tui.widgets.deck import CandidateDeck


def pending(candidate_id: str) -> CandidateView:
    return CandidateView(
        id=candidate_id, step="outline", branch="main", model="echo", status="pending", origin="generated",
        sources=(), text="", prompt="p", system="", error="", input_tokens=0, output_tokens=0,
        usage_estimated=False, cost=0.0, duration_ms=0, cached=False, attempts=(), fallbacks=(), instruction="",
        generation=1,
    )  # fmt: skip


class NarrowDeck(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.panels = [
            CandidatePanel(n, pending(f"c{n}"), "a streamed answer " * 9, selected=False, marked=False) for n in (1, 2)
        ]

    def compose(self) -> ComposeResult:
        yield CandidateDeck(self.panels, width=70)


def underline_and_label(app: App[Any]) -> tuple[tuple[int, int], tuple[int, int], str]:
    """(the underline's columns, the active tab's label columns as now laid out, the label)."""
    tabs = app.query_one(Tabs)
    active = tabs.active_tab
    assert active is not None
    underline: Any = tabs.query_one("Underline")
    return (
        (underline.highlight_start, underline.highlight_end),
        active.virtual_region.shrink(active.styles.gutter).column_span,
        active.label_text,
    )


async def settle(app: NarrowDeck, pilot: Any) -> None:
    """Up to 5 s for the underline to reach its tab (a slide takes 0.3 s); what is still wrong then stays wrong."""
    for _ in range(100):
        await pilot.pause(0.05)
        underline, label_span, _ = underline_and_label(app)
        if underline == label_span and not app.animator.is_being_animated(app.query_one("Underline"), "highlight_end"):
            return


async def finish_in_one_batch(app: NarrowDeck) -> None:
    """Candidate 1 (the active tab) completes and the deck relabels it, the way the step view does; the batch
    holds the layout back while Textual's underline callback runs: the order a loaded machine can produce."""
    deck = app.query_one(CandidateDeck)
    with app.batch_update():
        await app.panels[0].show(replace(app.panels[0].candidate, status="completed", text="done"), selected=False,
                                 marked=False)  # fmt: skip
        deck.show_progress()
        for _ in range(5):
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("animations", ["none", "full"])
async def test_the_active_tab_underline_spans_its_new_label_after_a_relabel(animations: AnimationLevel) -> None:
    """With animations on, Textual moves the underline from a 20 ms timer (then slides it): the same race."""
    app = NarrowDeck()
    async with app.run_test(size=(70, 24)) as pilot:
        app.animation_level = animations
        await settle(app, pilot)
        before, label_span, label = underline_and_label(app)
        assert "tok" in label
        assert before == label_span
        await finish_in_one_batch(app)
        await settle(app, pilot)
        after, label_span, label = underline_and_label(app)
        assert label == "1 echo ✓"
        assert after == label_span, f"the underline spans columns {after}, its tab {label!r} spans {label_span}"


async def test_the_underline_follows_a_relabel_that_moves_the_active_tab() -> None:
    """Tab 1 shrinks when it finishes: tab 2, active, moves left and its underline must move with it."""
    app = NarrowDeck()
    async with app.run_test(size=(70, 24)) as pilot:
        app.animation_level = "none"
        app.query_one(CandidateDeck).show_panel(app.panels[1])
        await settle(app, pilot)
        start, _, _ = underline_and_label(app)
        await finish_in_one_batch(app)
        await settle(app, pilot)
        after, label_span, label = underline_and_label(app)
        assert label.startswith("2 echo")
        assert label_span[0] < start[0]
        assert after == label_span, f"the underline spans columns {after}, its tab {label!r} spans {label_span}"


async def test_switching_tabs_still_slides_the_underline_to_the_new_tab() -> None:
    """The deck's own look at the underline waits for Textual's slide instead of cutting it short with a jump."""
    app = NarrowDeck()
    async with app.run_test(size=(70, 24)) as pilot:
        app.animation_level = "full"
        await settle(app, pilot)
        underline = app.query_one("Underline")
        moves: list[bool] = []  # one per move of the underline's end: whether an animation made it

        def moved(_: int) -> None:
            moves.append(app.animator.is_being_animated(underline, "highlight_end"))

        app.watch(underline, "highlight_end", moved, init=False)
        app.query_one(CandidateDeck).show_panel(app.panels[1])
        await settle(app, pilot)
        after, label_span, label = underline_and_label(app)
        assert label.startswith("2 echo")
        assert after == label_span
        assert moves
        assert all(moves), "the underline jumped to the new tab instead of sliding"
