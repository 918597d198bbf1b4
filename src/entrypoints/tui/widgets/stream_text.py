"""StreamText: plain text that grows at its end, soft-wrapped, showing its tail. Appending re-wraps only the last
paragraph and repaints only this widget (its size never changes, so the screen is never laid out again): a long
answer costs the same per chunk as a short one, however many stream side by side."""

from __future__ import annotations

import textwrap

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

# Control characters (a model may emit \r or escapes) would move the terminal's cursor; newlines are kept.
_CONTROLS = {code: None for code in (*range(0, 9), *range(11, 32), 127)}


def wrap(paragraph: str, width: int) -> list[str]:
    """Visual lines of one paragraph; an empty paragraph is one empty line (it separates the others)."""
    return textwrap.wrap(paragraph, width, replace_whitespace=False) or [""]


class StreamText(Widget):
    """Shows the end of the text; `scroll(lines)` looks further back (0 follows the end again)."""

    def __init__(self, text: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._paragraphs = text.translate(_CONTROLS).split("\n")
        self._lines: list[str] = []
        self._starts: list[int] = []  # index in _lines of each paragraph's first visual line
        self._width = 0
        self._back = 0  # lines scrolled back from the end
        self._previous_total = 0
        self._style = Style()

    @property
    def text(self) -> str:
        return "\n".join(self._paragraphs)

    def append(self, text: str) -> None:
        parts = text.translate(_CONTROLS).split("\n")
        first = len(self._paragraphs) - 1
        self._paragraphs[-1] += parts[0]
        self._paragraphs.extend(parts[1:])
        if self._width:
            self._rewrap(first)
            if self._back:  # keep the lines the reader is looking at in place
                self._back += len(self._lines) - self._previous_total
            self.refresh()

    def reset(self, text: str) -> None:
        """Replace the whole text (when the final text is not what streamed)."""
        self._paragraphs = text.translate(_CONTROLS).split("\n")
        self._back = 0
        if self._width:
            self._rewrap(0)
        self.refresh()

    def scroll(self, lines: int) -> None:
        """Look `lines` further back (negative: forward); 0 lines back follows the end again."""
        self._back = max(0, min(self._back + lines, len(self._lines) - self.size.height))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self._width = max(event.size.width, 1)
            self._rewrap(0)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.scroll(3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.scroll(-3)

    def _rewrap(self, first: int) -> None:
        self._previous_total = len(self._lines)
        start = self._starts[first] if first < len(self._starts) else len(self._lines)
        del self._lines[start:]
        del self._starts[first:]
        for paragraph in self._paragraphs[first:]:
            self._starts.append(len(self._lines))
            self._lines.extend(wrap(paragraph, self._width))

    def render_lines(self, crop: Region) -> list[Strip]:
        self._style = self.rich_style  # once per paint, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        top = max(0, len(self._lines) - height - self._back)
        index = top + y
        if index >= len(self._lines):
            return Strip.blank(width, self._style)
        return Strip([Segment(self._lines[index], self._style)]).crop_extend(0, width, self._style)
