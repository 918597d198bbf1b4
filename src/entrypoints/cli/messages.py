"""What the CLI prints about a failure: safe for a terminal, short enough to read, and asked for when needed."""

from __future__ import annotations

import re
import sys
import unicodedata

import typer

LONGEST_VALUE = 80  # an echoed value longer than this is cut: the writer knows what they typed
LONGEST_PATH = 300  # a path is where to look, so it is cut only when absurd
# click's error base, which typer does not re-export (and from 0.28 vendors as typer._click): found by name.
ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, format marks (bidi), lines
_TOKEN = re.compile(rf"\S{{{LONGEST_VALUE + 1},}}")


def clean(text: str) -> str:
    """`text` with control characters and terminal escapes made visible (`\\x1b`, `\\u202e`), and every
    over-long value cut with an ellipsis. Newlines are kept: each line is one problem."""
    return "\n".join(_shorten(_visible(line)) for line in text.split("\n"))


def _visible(line: str) -> str:
    if line.isprintable():
        return line
    return "".join(_escape(c) if unicodedata.category(c) in _HIDDEN else c for c in line)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _shorten(line: str) -> str:
    def cut(match: re.Match[str]) -> str:
        whole = match.group()
        token = whole.rstrip(":;,.)'\"")  # the sentence's punctuation stays
        limit = LONGEST_PATH if "/" in token else LONGEST_VALUE
        if len(token) <= limit:
            return whole
        return f"{token[: limit - 1]}…({len(token):,} characters){whole[len(token) :]}"

    return _TOKEN.sub(cut, line)


def print_error(message: str) -> None:
    """One `error: ...` line per line of `message`, on stderr."""
    for line in clean(message).splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)


def confirm(question: str, *, yes: bool) -> None:
    """Go on only if `yes` was given or the writer at the terminal agrees; otherwise raise an Exit saying what
    to do (off a terminal nobody can answer, so the command says to add --yes instead of silently giving up)."""
    if yes:
        return
    if not sys.stdin.isatty():
        print_error(f"{question} Nothing was changed: add --yes to confirm without a terminal")
        raise typer.Exit(1)
    if not typer.confirm(question, default=False):
        print_error("not confirmed; nothing was changed")
        raise typer.Exit(1)
