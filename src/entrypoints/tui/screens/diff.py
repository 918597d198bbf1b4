"""The diff of two candidates, sentence by sentence (prose paragraphs are single long lines)."""

from __future__ import annotations

import difflib
import re
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def units(text: str) -> list[str]:
    """Lines cut into sentences, so that a changed word in a long paragraph shows as one changed sentence."""
    return [sentence for line in text.splitlines() for sentence in _SENTENCE_END.split(line)]


def diff_text(a_label: str, a: str, b_label: str, b: str) -> Text:
    """A unified diff, coloured: removed in red, added in green; 'identical' when nothing differs."""
    lines = list(difflib.unified_diff(units(a), units(b), a_label, b_label, lineterm="", n=2))
    if not lines:
        return Text("The two texts are identical.", "dim")
    text = Text()
    for line in lines:
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        text.append(line + "\n", style)
    return text


class DiffScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,d", "dismiss(None)", "Close")]

    def __init__(self, a_label: str, a: str, b_label: str, b: str) -> None:
        super().__init__()
        self._labels = (a_label, b_label)
        self._body = diff_text(a_label, a, b_label, b)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog diff"):
            yield Label(Text(f"Diff: − {self._labels[0]}   + {self._labels[1]}   (esc closes)", "bold"))
            with VerticalScroll():
                yield Static(self._body, id="diff-body")
