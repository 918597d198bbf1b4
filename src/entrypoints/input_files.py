"""Inputs read from files: `@path`, `@-` (standard input), `@folder/` (each file under its heading), `@@x` is `@x`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from writeit.domain.errors import InputInvalidError, Problem
from writeit.domain.template import InputSpec, InputType, PipelineTemplate

# Read no more than this from any one source when the input sets no max_length: notes, not disk images.
READ_LIMIT = 4 * 1024 * 1024
FILE_TYPES = (InputType.TEXT, InputType.TEXTAREA)


class InputFileError(ValueError):
    """A file named by an input cannot be used as its text (missing, too long, not UTF-8 text)."""


def resolve_inputs(
    template: PipelineTemplate, values: Mapping[str, Any], stdin: Callable[[], bytes] | None = None
) -> dict[str, Any]:
    """`values` with every text/textarea input's `@...` reference replaced by what it names (read once, here, so
    the pipeline records the text and replay needs no file); raises InputInvalidError naming field and file."""
    specs = {spec.key: spec for spec in template.inputs if spec.type in FILE_TYPES}
    resolved = dict(values)
    problems: list[Problem] = []
    for key, value in values.items():
        spec = specs.get(key)
        if spec is None or not isinstance(value, str) or not value.startswith("@"):
            continue
        try:
            resolved[key] = read_value(value, spec, stdin)
        except InputFileError as exc:
            problems.append(Problem(str(exc), field=key))
    if problems:
        raise InputInvalidError(problems)
    return resolved


def read_value(value: str, spec: InputSpec, stdin: Callable[[], bytes] | None = None) -> str:
    """The text an input value stands for: `@@x` is `@x`, `@-` standard input, `@path` a file or folder.
    Whatever the system refuses (a name too long, no permission) is an InputFileError naming the path."""
    try:
        return _read_value(value, spec, stdin)
    except OSError as exc:
        raise InputFileError(f"{value[1:]}: cannot be read ({exc.strerror or exc})") from None


def _read_value(value: str, spec: InputSpec, stdin: Callable[[], bytes] | None) -> str:
    if value.startswith("@@"):
        return value[1:]
    target = value[1:]
    limit = spec.max_length or READ_LIMIT
    if target == "-":
        raw = (stdin or _read_stdin)()
        return _checked(_decoded(raw, "standard input"), "standard input", limit)
    if not target:
        raise InputFileError("'@' names no file (write @path, @- for standard input, or @@ for a literal @)")
    path = Path(target).expanduser()
    if path.is_dir():
        return _checked(read_folder(path, limit), f"{target} (all its files)", limit)
    return _checked(read_text_file(path, limit), target, limit)


def read_text_file(path: Path, limit: int = READ_LIMIT) -> str:
    """The file's text; refused (naming the file) when missing, unreadable, binary or not UTF-8."""
    if path.exists() and not path.is_file() and not path.is_dir():  # a pipe or a device could block or never end
        raise InputFileError(f"{path}: is not a regular file (use @- to read standard input)")
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit * 4 + 1)  # a character is at most 4 bytes: enough to tell it is too long
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a folder (write {path}/ to read every file in it)") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return _checked(_decoded(raw, str(path)), str(path), limit)


def read_folder(folder: Path, limit: int = READ_LIMIT) -> str:
    """Every visible file directly in `folder`, by name, each under a `## name` heading."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputFileError(f"{folder}/: has no files to read")
    parts: list[str] = []
    total = 0
    for path in files:
        parts.append(f"## {path.name}\n\n{read_text_file(path, limit).strip()}\n")
        total += len(parts[-1]) + 1
        if total > limit:
            break  # over the limit already (the caller refuses it): the files after it need not be read
    return "\n".join(parts)


def complete_path(value: str) -> str | None:
    """`value` completed to the first path it starts (a folder ends in /; hidden names only when typed)."""
    stem = value.rsplit("/", 1)[-1]
    folder = Path(value[: len(value) - len(stem)] or ".").expanduser()
    try:
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir() if p.name.startswith(stem))
    except OSError:
        return None
    names = [n for n in names if stem.startswith(".") or not n.startswith(".")]
    return value + names[0][len(stem) :] if value and names else None


def _decoded(raw: bytes, name: str) -> str:
    if b"\x00" in raw:
        raise InputFileError(f"{name}: is not text (it holds binary data)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut at the read limit can split a character; that is a length problem, reported as such below.
        if exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data":
            return raw[: exc.start].decode("utf-8") + "\ufffd"
        raise InputFileError(f"{name}: is not UTF-8 text (byte {exc.start} is invalid)") from None


def _checked(text: str, name: str, limit: int) -> str:
    if len(text) > limit:
        raise InputFileError(f"{name}: is over {limit} characters, the most this input takes")
    return text


def _read_stdin() -> bytes:
    return sys.stdin.buffer.read(READ_LIMIT * 4 + 1)
