"""The editor (a candidate's text, or several to merge by hand) and the help screen listing the keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static, TextArea


class EditorScreen(ModalScreen[str | None]):
    """Edit a text; ctrl+s dismisses with it (recorded as a new candidate), esc discards the changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "dismiss(None)", "Discard"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="editor"):
            yield Label(Text(f"{self._title} — ctrl+s saves, esc discards", "bold"))
            yield TextArea(self._text, soft_wrap=True, id="editor")
        yield Footer()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("The text is empty; type something or press esc.", severity="warning")
            return
        self.dismiss(text)


def help_text(bindings: Iterable[BindingType]) -> Text:
    """One line per key, from the screen's own bindings (so the help cannot drift from what the keys do)."""
    text = Text()
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        # As the footer shows them: `?`, not `question_mark`.
        keys = binding.key_display or " ".join(format_key(k.strip()) for k in binding.key.split(","))
        text.append(f"{keys:>12}  ", "bold cyan")
        text.append(f"{binding.description}\n")
    return text


class HelpScreen(ModalScreen[None]):
    """The keys of the screen underneath, with what each does; any of esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss(None)", "Close")]

    def __init__(self, title: str, bindings: Iterable[BindingType], notes: str = "") -> None:
        super().__init__()
        self._title = title
        self._body = help_text(bindings)
        self._notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label(Text(f"Keys — {self._title}", "bold"))
            with VerticalScroll():
                yield Static(self._body)
                if self._notes:
                    yield Static(Text(self._notes, "dim"))
            yield Label(Text("esc closes · ctrl+p opens the command palette", "dim"))
