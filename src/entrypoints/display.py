"""What every interface echoes of a request, a file or a model id: control characters shown, long values cut.

One rule for the CLI and the API: a control character (an escape, NUL, CR, a bidirectional override) is shown as
its escape (`\\x1b`, `\\x00`, `\\x0d`, `\\u202e`), never written and never deleted. Written, it could clear the
writer's screen or reorder what they read; deleted, `a\\x1bb` and `ab` would read alike and the writer could not
see why their value was refused. Newlines are kept: each line is one problem.
"""

from __future__ import annotations

import re
import unicodedata

LONGEST_VALUE = 80  # an echoed value longer than this is cut: the writer knows what they typed
LONGEST_PATH = 300  # a path is where to look, so it is cut only when absurd
LONGEST_LINE = 2000  # escapes make a line longer than what was sent (1 character becomes up to 10)
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, format marks (bidi), line separators
_TOKEN = re.compile(rf"\S{{{LONGEST_VALUE + 1},}}")


def clean(text: str) -> str:
    """`text` fit to show on a terminal or in a client: control characters and terminal escapes made visible
    (`\\x1b`, `\\u202e`), every over-long value cut to its start and its length, and each line at most
    LONGEST_LINE characters."""
    return "\n".join(_bounded(_shorten(_visible(line))) for line in text.split("\n"))


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


def _bounded(line: str) -> str:
    if len(line) <= LONGEST_LINE:
        return line
    return f"{line[:LONGEST_LINE]}…(cut at {LONGEST_LINE:,} characters)"
