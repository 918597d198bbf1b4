"""A tiny fragment-loader plugin (`notes:NAME`) registered with llm for a test, and a template that uses fragments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import llm

USES_FRAGMENTS = """\
metadata:
  name: With fragments
inputs:
  topic: {type: text, required: true}
steps:
  draft:
    name: Draft
    prompt_template: |
      About {{ inputs.topic }}, using:
      {% for f in fragments %}[{{ f.source }}] {{ f }}
      {% endfor %}
"""


class NotesLoader:
    """`notes:NAME` loads the text "notes called NAME" (and `notes:fail` raises, as a broken loader would)."""

    @llm.hookimpl
    def register_fragment_loaders(self, register: Callable[[str, Callable[[str], llm.Fragment]], None]) -> None:
        register("notes", self.load)

    def load(self, argument: str) -> llm.Fragment:
        if argument == "fail":
            raise RuntimeError("the notes service is down")
        return llm.Fragment(f"notes called {argument}", f"notes:{argument}")  # type: ignore[no-untyped-call]


@contextmanager
def notes_loader() -> Iterator[None]:
    plugin = NotesLoader()
    llm.plugins.pm.register(plugin, name="test-notes-loader")
    try:
        yield
    finally:
        llm.plugins.pm.unregister(plugin)
