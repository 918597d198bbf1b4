"""CandidatePanel: one candidate's title line (number, model, status, tokens, cost) over its text, which streams
in as plain text (StreamText) and is shown as Markdown once the candidate has finished."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, Static

from writeit.application.views import CandidateView
from writeit.entrypoints.tui.widgets.stream_text import StreamText

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_STATUS = {
    "completed": ("✓ done", "green"),
    "failed": ("✗ failed", "bold red"),
    "cancelled": ("⊘ cancelled", "yellow"),
    "interrupted": ("⚠ interrupted", "yellow"),
}


@dataclass(frozen=True, slots=True)
class Marks:
    """What the title shows beside the model's answer: whether it is selected or marked, and who wrote it."""

    selected: bool = False
    marked: bool = False
    who: str = ""  # the model, or "your edit of candidate N" (rounds.origin_label); empty: the model
    earlier: str = ""  # the round of a candidate that is not in the current one


def title_line(number: int, c: CandidateView, *, streamed_chars: int, frame: int, marks: Marks) -> Text:
    """The panel's first line, what matters first (a narrow panel cuts its end): number, selected and marked,
    round, who wrote it, status, tokens. While pending, tokens are estimated from the characters streamed so far.
    """
    text = Text.assemble((f"{number} ", "bold reverse"), no_wrap=True)
    if marks.selected:
        text.append(" ★ selected", "bold green")
    if marks.marked:
        text.append(" ◆ marked", "bold magenta")
    if marks.earlier:
        text.append(f" {marks.earlier}", "italic yellow")
    text.append(f" {marks.who or c.model or '?'} ", "bold")
    if c.status == "pending":
        text.append(f"{SPINNER[frame % len(SPINNER)]} streaming", "cyan")
        text.append(f"  ~{streamed_chars // 4} tok", "dim")
    elif c.origin == "edited" or (c.origin == "merged" and c.model == "writer"):
        text.append("✎ yours", "green")  # the writer's text: no model answered, there is nothing to count
    else:
        label, style = _STATUS.get(c.status, (c.status, ""))
        text.append(label, style)
        approx = "~" if c.usage_estimated else ""
        text.append(f"  {approx}{c.input_tokens}→{approx}{c.output_tokens} tok  ${c.cost:.4f}", "dim")
    return text


class CandidatePanel(Vertical, can_focus=True):
    """Shows one candidate; `write` appends a streamed chunk, `show` refreshes it from the stored view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_text(-1)", "Scroll up", show=False),
        Binding("down", "scroll_text(1)", "Scroll down", show=False),
        Binding("pageup", "scroll_text(-10)", "Page up", show=False),
        Binding("pagedown", "scroll_text(10)", "Page down", show=False),
    ]

    def __init__(
        self,
        number: int,
        candidate: CandidateView,
        streamed: str = "",
        *,
        selected: bool,
        marked: bool,
        who: str = "",
        earlier: str = "",
    ) -> None:
        super().__init__(classes="candidate")
        self.number = number
        self.candidate = candidate
        self.selected = selected
        self.marked = marked
        self.who = who
        self.earlier = earlier
        self._frame = 0
        self._streamed = [streamed] if streamed else []
        self._chars = len(streamed)
        self._unshown: list[str] = []
        self._shown = candidate.text if candidate.status != "pending" else streamed
        self._title_bar = Static(self._title(), classes="candidate-title")
        self._error = Static(Text(candidate.error, "red"), classes="candidate-error")
        self._live = StreamText(streamed, classes="candidate-live") if candidate.status == "pending" else None

    @property
    def text(self) -> str:
        return self._shown if self.candidate.status != "pending" else "".join(self._streamed)

    def compose(self) -> ComposeResult:
        yield self._title_bar
        yield self._error
        if self._live is not None:
            yield self._live
        else:
            yield self._markdown_body(self._shown)

    @staticmethod
    def _markdown_body(text: str) -> VerticalScroll:
        return VerticalScroll(Markdown(text), classes="candidate-body")

    def on_mount(self) -> None:
        self._restyle()

    def action_scroll_text(self, lines: int) -> None:
        if self._live is not None:
            self._live.scroll(-lines)
        else:
            self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)

    def write(self, chunk: str) -> None:
        """Take a streamed chunk; it is shown at the next `flush` (the step view flushes every panel together)."""
        self._streamed.append(chunk)
        self._chars += len(chunk)
        self._unshown.append(chunk)

    def restart(self) -> None:
        """Drop what streamed so far: a retry or a fallback restarted the answer, whose next chunks start anew."""
        self._streamed.clear()
        self._unshown.clear()
        self._chars = 0
        if self._live is not None:
            self._live.reset("")

    def flush(self) -> None:
        """Show what arrived since the last flush: appended to the live text, which re-wraps only its end."""
        if self._unshown and self._live is not None:
            self._live.append("".join(self._unshown))
            self._unshown.clear()

    async def show(self, candidate: CandidateView, *, selected: bool, marked: bool) -> None:
        """Refresh from the stored view; a finished candidate's text replaces the stream only if it differs."""
        finished = self.candidate.status == "pending" and candidate.status != "pending"
        self.candidate, self.selected, self.marked = candidate, selected, marked
        if finished:
            await self._finish(candidate.text)
        self._error.update(Text(candidate.error, "red"))
        self.tick()
        self._restyle()

    async def _finish(self, text: str) -> None:
        """Streaming is over. The stored text is the truth (a fallback may have restarted it); it is shown as
        Markdown by `render_markdown`, which the step view calls for one panel at a time."""
        self.flush()
        self._shown = text
        if self._live is not None and self._live.text != text:
            self._live.reset(text)

    @property
    def awaits_markdown(self) -> bool:
        return self._live is not None and self.candidate.status != "pending"

    async def render_markdown(self) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            await self.mount(self._markdown_body(self._shown), after=live)
            await live.remove()

    def tick(self, frame: int | None = None) -> None:
        """Redraw the title line (at a new spinner `frame`: the spinner turns, the token estimate grows)."""
        self._frame = self._frame if frame is None else frame
        self._title_bar.update(self._title(), layout=False)  # one line, always: no need to lay the screen out again

    def progress(self) -> str:
        """A few characters of how it is going: the spinner and tokens so far, or how it ended."""
        if self.candidate.status == "pending":
            return f"{SPINNER[self._frame % len(SPINNER)]} ~{self._chars // 4} tok"
        return _STATUS.get(self.candidate.status, (self.candidate.status, ""))[0].split(" ")[0]

    def _title(self) -> Text:
        marks = Marks(selected=self.selected, marked=self.marked, who=self.who, earlier=self.earlier)
        return title_line(self.number, self.candidate, streamed_chars=self._chars, frame=self._frame, marks=marks)

    def _restyle(self) -> None:
        for status in ("pending", "completed", "failed", "cancelled", "interrupted"):
            self.set_class(self.candidate.status == status, f"-{status}")
        self.set_class(self.selected, "-selected")
        self.set_class(self.marked, "-marked")
        self.set_class(bool(self.candidate.error), "-has-error")
