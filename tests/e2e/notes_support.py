"""A template that takes raw notes (a textarea with a limit), and a folder of three notes, for the notes-in tests."""

from __future__ import annotations

from pathlib import Path

NOTES_TEMPLATE = """\
metadata:
  name: From notes
  description: An article from raw notes
inputs:
  notes:
    type: textarea
    label: Notes
    required: true
    max_length: 2000
steps:
  draft:
    name: Draft
    prompt_template: "Write an article from these notes:\\n{{ inputs.notes }}"
"""
NOTES = {
    "b-second.md": "Second: LMDB keeps every event.\n",
    "a-first.md": "First: writers lose drafts.\n",
    "c-third.txt": "Third: replay is free.\n",
}


def install_template(home: Path, name: str = "from-notes") -> Path:
    """The notes template as a global template of this WRITEIT_HOME (listed before the built-ins)."""
    folder = home / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(NOTES_TEMPLATE)
    return path


def notes_folder(root: Path) -> Path:
    folder = root / "notes"
    folder.mkdir()
    for name, text in NOTES.items():
        (folder / name).write_text(text)
    return folder


EXPECTED = (
    "## a-first.md\n\nFirst: writers lose drafts.\n\n"
    "## b-second.md\n\nSecond: LMDB keeps every event.\n\n"
    "## c-third.txt\n\nThird: replay is free.\n"
)
