"""The step view's display: a header line, the step's candidates (streaming live), kept in step with the store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import TypeVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from writeit.application import commands as cmd
from writeit.application.follow import Following
from writeit.application.hub import Message, TokenMessage
from writeit.application.rounds import Shown, arrange, origin_label
from writeit.application.service import PipelineService
from writeit.application.views import PipelineView, StepView
from writeit.domain.errors import BranchMovedError
from writeit.domain.events import StepStarted
from writeit.entrypoints.tui.guard import attempt, report
from writeit.entrypoints.tui.widgets.candidate import CandidatePanel
from writeit.entrypoints.tui.widgets.deck import CandidateDeck, by_id
from writeit.entrypoints.tui.widgets.judge_table import JudgeTable

T = TypeVar("T")

# Streamed text is shown this many times a second: 8 models at 100 tokens/s each would otherwise re-parse and
# repaint 800 times a second; 20 looks live and leaves the loop free for keys.
FLUSHES_PER_SECOND = 20


class StepViewScreen(Screen[None]):
    """Shows one step of the pipeline's current branch; every stored event refreshes it, chunks stream in."""

    def __init__(self, pipelines: PipelineService, pipeline_id: str, *, models: Sequence[str] = ()) -> None:
        super().__init__()
        self.pipelines = pipelines
        self.pipeline_id = pipeline_id
        self.models = tuple(models)
        self.view: PipelineView | None = None
        self.step_key = ""
        self.marked: set[str] = set()
        self.show_all = False
        self.deck: CandidateDeck | None = None
        self._panels: dict[str, CandidatePanel] = {}
        self._lock = asyncio.Lock()
        self._frame = 0
        self._following: Following | None = None
        self._drawn = 0  # the version on screen, once its panels are mounted

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="step-info")
        yield Static(id="step-notice")
        yield Container(id="deck-holder")
        yield JudgeTable()
        yield Footer(compact=True, show_command_palette=False)  # ctrl+p is in the help: room for the keys

    async def open(self) -> PipelineView | None:
        """Read, then follow every event after the version read (none can fall between the two)."""
        view = await attempt(self, self.pipelines.get(self.pipeline_id), "open the pipeline")
        if view is None:
            return None
        self.pipeline_id = view.id
        following = await attempt(self, self.pipelines.follow(view.id, view.version), "follow the pipeline")
        if following is None:
            return None
        self._following = following
        self._follow(following)
        self.set_interval(1 / FLUSHES_PER_SECOND, self._tick)
        await self.show_view(view, view.current_step)
        return view

    def on_unmount(self) -> None:
        if self._following is not None:
            self._following.close()

    @property
    def branch(self) -> str | None:
        """The branch on screen: every command names it, so none lands on a branch another client switched to."""
        return self.view.branch if self.view is not None else None

    def aim(self) -> cmd.Target:
        """What each command of this screen carries: the pipeline, and the branch on screen."""
        return cmd.target(self.pipeline_id, branch=self.branch)

    async def act(self, command: Awaitable[T], what: str) -> T | None:
        """Run a command; on failure notify the writer (and show the pipeline as it is now if its branch moved)."""
        try:
            return await command
        except BranchMovedError as exc:
            report(self, exc, what)
            await self.reload(to_current_step=True)  # where that branch needs the writer
            return None
        except Exception as exc:
            report(self, exc, what)
            return None

    def keep_draft(self, text: str, what: str) -> None:
        """A refused command must not lose what the writer typed: it goes to the clipboard."""
        self.app.copy_to_clipboard(text)
        self.notify(f"Your {what} was not saved; its text is on the clipboard.", severity="warning", timeout=8)

    # ----- display ---------------------------------------------------------------------------------
    async def reload(self, *, to_current_step: bool = False) -> None:
        """Show the pipeline as stored now: at the step shown, or at the one its branch needs the writer at."""
        view = await attempt(self, self.pipelines.get(self.pipeline_id), "refresh the pipeline")
        if view is not None:
            await self.show_view(view, view.current_step if to_current_step else None)

    async def show_view(self, view: PipelineView, step: str | None = None) -> None:
        """Show `step` (default: the one shown) of `view`; panels are updated in place when the set is unchanged."""
        async with self._lock:
            keys = [s.key for s in view.steps]
            if step is not None or self.step_key not in keys:
                self.step_key = step if step in keys else view.current_step
                self.marked.clear()
            self.view = view
            shown = view.step(self.step_key)
            self._show_info(view, shown)
            visible = arrange(shown, everything=self.show_all)
            width = self.app.size.width
            deck = self.deck
            if (
                deck is not None
                and deck.ids() == [s.candidate.id for s in visible]
                and deck.arrangement == deck.layout_for(width)
            ):
                for panel, s in zip(deck.panels, visible, strict=True):
                    await panel.show(
                        s.candidate, selected=s.candidate.id == shown.selected, marked=s.candidate.id in self.marked
                    )
                deck.show_progress()
            else:
                await self._rebuild(shown, visible, width)
            self.query_one(JudgeTable).show(shown.judgement, {s.candidate.id: s.number for s in visible})
            self._drawn = view.version

    async def _rebuild(self, step: StepView, visible: list[Shown], width: int) -> None:
        streamed = {cid: p.text for cid, p in self._panels.items() if p.candidate.status == "pending"}
        focused = self.focused_panel()
        keep = focused.candidate.id if focused is not None else step.selected
        numbers = {s.candidate.id: s.number for s in visible}
        panels = [
            CandidatePanel(
                s.number,
                s.candidate,
                streamed.get(s.candidate.id, ""),
                selected=s.candidate.id == step.selected,
                marked=s.candidate.id in self.marked,
                who=origin_label(s.candidate, numbers),
                earlier=s.earlier,
            )
            for s in visible
        ]
        deck = CandidateDeck(panels, width=width, empty=self._empty_hint(step))
        holder = self.query_one("#deck-holder", Container)
        await holder.remove_children()
        await holder.mount(deck)
        self.deck, self._panels = deck, by_id(panels)
        target = self._panels.get(keep or "") or (panels[0] if panels else None)
        if target is not None:
            deck.show_panel(target)

    def _show_info(self, view: PipelineView, step: StepView) -> None:
        keys = [s.key for s in view.steps]
        # What the writer acts on first (a narrow terminal wraps the line; the pipeline's id matters least).
        info = Text.assemble(
            (f" step {keys.index(step.key) + 1} of {len(keys)}: {step.name} ", "bold reverse"),
            f" {step.status}",
        )
        if step.stale:
            info.append("  STALE ", "bold black on yellow")
        if view.completed:
            info.append("  ✓ complete", "bold green")
        info.append(" · branch ")
        info.append(view.branch, "bold")
        info.append(f" · {view.template} · pipeline {view.id[:8]}", "dim")
        self.query_one("#step-info", Static).update(info)
        self.query_one("#step-notice", Static).update(self._notice(view, step))
        self.set_class(step.stale, "-stale")

    def _notice(self, view: PipelineView, step: StepView) -> Text:
        if step.stale:
            return Text("This step was built on an earlier selection: g or f regenerates it, a keeps it.", "yellow")
        last = step.key == view.steps[-1].key
        if step.pending_feedback:  # carried by the next round until a model answers it or a candidate is selected
            parts = [f"feedback for the next round: {' / '.join(step.pending_feedback)}"]
        else:
            parts = [f"feedback: {step.feedback[-1]}"] if step.feedback else []
        if step.selected is not None:
            parts.append("s exports the article" if last else "n goes to the next step")
        return Text("  ·  ".join(parts), "dim")

    def _empty_hint(self, step: StepView) -> str:
        assert self.view is not None
        if step.waits_for:
            name = self.view.step(step.waits_for).name
            return f"No candidates yet. Step '{name}' needs a (fresh) selection first: p goes back."
        return "No candidates yet: g generates this step."

    def focused_panel(self) -> CandidatePanel | None:
        """The candidate the keys act on: the focused one, else the tab shown, else the selected one."""
        node: Widget | None = self.focused
        while node is not None and not isinstance(node, CandidatePanel):
            node = node.parent if isinstance(node.parent, Widget) else None
        if isinstance(node, CandidatePanel) and node in self._panels.values():
            return node
        if self.deck is not None and (active := self.deck.active_panel()) is not None:
            return active
        return next((p for p in self._panels.values() if p.selected), None)

    async def _tick(self) -> None:
        """Show what streamed since the last tick, in every panel at once (one frame, not one per chunk); turn
        one finished panel's text into Markdown (one per tick: eight at once would stall a frame)."""
        pending = [p for p in self._panels.values() if p.candidate.status == "pending"]
        for panel in pending:
            panel.flush()
        self._frame += 1
        if pending and self._frame % 3 == 0:
            for panel in pending:
                panel.tick(self._frame // 3)
            if self.deck is not None:
                self.deck.show_progress()
        finished = next((p for p in self._panels.values() if p.awaits_markdown), None)
        if finished is not None:
            await finished.render_markdown()

    async def on_resize(self, event: events.Resize) -> None:
        deck = self.deck
        if self.view is not None and deck is not None and deck.layout_for(self.app.size.width) != deck.arrangement:
            await self.show_view(self.view)

    # ----- live updates ----------------------------------------------------------------------------
    @work(group="live", exclusive=True, exit_on_error=False)
    async def _follow(self, following: Following) -> None:
        """Chunks go straight to their panel; other events refresh from the store once none is waiting."""
        behind = False
        async for message in following:
            try:
                behind = await self._take(message, behind)
                if behind and following.idle:
                    behind = False
                    await self.reload()
            except Exception as exc:  # a glitch in one update must not stop the following ones
                report(self, exc, "live update")

    async def _take(self, message: Message, behind: bool) -> bool:
        if isinstance(message, TokenMessage):
            if behind and message.candidate_id not in self._panels:
                await self.reload()
                behind = False
            panel = self._panels.get(message.candidate_id)
            if panel is not None and panel.is_mounted:
                if message.reset:
                    panel.restart()
                else:
                    panel.write(message.text)
            return behind
        if message.event.seq <= self._drawn:
            return behind  # the command that stored it returned the view on screen: no second read and draw
        if isinstance(message.event, StepStarted):  # its candidates' chunks follow at once: show them now
            await self.reload()
            return False
        return True
