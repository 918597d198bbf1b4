"""Safe YAML reading: plain values plus the line of every field, refusing aliases, duplicates and oversized input."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from writeit.domain.errors import Problem, TemplateInvalidError

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass(slots=True)
class YamlDoc:
    """A YAML document as plain values; `lines` maps dotted paths (`steps.outline.prompt_template`) to lines."""

    value: Any
    file: str
    lines: dict[str, int] = field(default_factory=dict)
    text_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    # For scalars not written as `|` blocks: (first, last) file line, so a line inside them is found by its text.
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    source_lines: list[str] = field(default_factory=list)

    def line(self, path: str) -> int | None:
        """The line of `path`, or of its nearest located parent (a missing field is reported where it belongs)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return self.lines.get("")

    def text_line(self, path: str, lineno: int) -> int | None:
        """The file line of line `lineno` (1-based) inside the string at `path`."""
        start = self.text_lines.get(path)
        if start is None:
            return self.line(path)
        span = self.spans.get(path)
        return start + lineno - 1 if span is None else self._find_in_span(span, path, lineno)

    def _find_in_span(self, span: tuple[int, int], path: str, lineno: int) -> int:
        """A folded or quoted scalar joins file lines: find the file line that starts value line `lineno`."""
        value = self.value_at(path)
        lines = value.splitlines() if isinstance(value, str) else []
        wanted = lines[lineno - 1].strip()[:40] if 0 < lineno <= len(lines) else ""
        first, last = span
        for number in range(first, min(last, len(self.source_lines)) + 1):
            if wanted and wanted in self.source_lines[number - 1]:
                return number
        return first

    def value_at(self, path: str) -> Any:
        """The value at a dotted path (`steps.x.prompt_template`, `a.b[2]`), or None."""
        node = self.value
        for part in path.replace("[", ".[").split("."):
            if part.startswith("[") and isinstance(node, list):
                index = int(part[1:-1])
                node = node[index] if index < len(node) else None
            elif isinstance(node, dict):
                node = node.get(part)
            else:
                return None
        return node

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, field=path, file=self.file, line=self.line(path)))

    def note(self, path: str, message: str) -> None:
        self.notes.append(Problem(message, field=path, file=self.file, line=self.line(path)))


class _RefusedError(ComposerError):
    """Valid YAML that templates refuse on purpose."""


class _GuardedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses aliases (the road to YAML bombs) and absurd nesting."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _RefusedError(None, None, "aliases (*name) are not allowed in templates; repeat the value", mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _RefusedError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_text_file(path: Path, file: str) -> str:
    """The file's text, refusing what cannot be a template: too big, binary, not UTF-8."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise TemplateInvalidError([Problem(f"cannot read the file: {exc.strerror or exc}", file=file)]) from None
    if len(data) > MAX_BYTES:
        raise TemplateInvalidError([Problem(f"the file is larger than {MAX_BYTES // 1_000_000} MB", file=file)])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"
        raise TemplateInvalidError([Problem(message, file=file)]) from None


def parse_yaml(text: str, file: str) -> YamlDoc:
    """Compose `text` into a YamlDoc; raises TemplateInvalidError for input that is not a usable YAML document."""
    if len(text) > MAX_BYTES:
        raise TemplateInvalidError([Problem(f"the text is larger than {MAX_BYTES // 1_000_000} MB", file=file)])
    if "\x00" in text:
        raise TemplateInvalidError([Problem("binary content (NUL bytes) is not a YAML template", file=file)])
    try:
        loader = _GuardedLoader(text)
    except ReaderError as exc:  # the reader refuses control characters before any parsing
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character))
        message = f"not YAML text: control character {code:#04x} is not allowed"
        raise TemplateInvalidError([Problem(message, file=file, line=line)]) from None
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise TemplateInvalidError([_syntax_problem(exc, file)]) from None
    except yaml.YAMLError as exc:
        raise TemplateInvalidError([Problem(f"YAML error: {exc}", file=file)]) from None
    finally:
        loader.dispose()
    if root is None:
        raise TemplateInvalidError([Problem("the file is empty; a template needs at least `steps`", file=file)])
    doc = YamlDoc(value=None, file=file, source_lines=text.splitlines())
    doc.value = _convert(root, "", doc, loader)
    return doc


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    prefix = "" if isinstance(exc, _RefusedError) else "YAML syntax error: "
    return Problem(f"{prefix}{what}", file=file, line=mark.line + 1 if mark else None)


def _convert(node: Node, path: str, doc: YamlDoc, loader: yaml.SafeLoader) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode | SequenceNode) and node.tag not in _PLAIN_TAGS:
        doc.problem(path, f"the tag {node.tag} is not allowed in templates")
        return None
    if isinstance(node, MappingNode):
        return _convert_mapping(node, path, doc, loader)
    if isinstance(node, SequenceNode):
        return [_convert(item, f"{path}[{i}]", doc, loader) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    # A block scalar's text starts on the line after its `|` or `>` indicator.
    doc.text_lines[path] = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
    if node.style != "|" and node.end_mark.line > node.start_mark.line:
        doc.spans[path] = (doc.text_lines[path], node.end_mark.line + 1)
    try:
        value = loader.construct_object(node)
    except yaml.YAMLError as exc:
        doc.problem(path, f"cannot read this value: {getattr(exc, 'problem', None) or exc}")
        return None
    return _plain(value, path, doc)


def _plain(value: Any, path: str, doc: YamlDoc) -> Any:
    """Scalars a prompt can use as they are: dates become their ISO text; bytes (`!!binary`) are refused."""
    if isinstance(value, bytes | bytearray):
        doc.problem(path, "a !!binary value is not text; write the text itself")
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _convert_mapping(node: MappingNode, path: str, doc: YamlDoc, loader: yaml.SafeLoader) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            doc.problems.append(Problem("keys must be plain names", field=path, file=doc.file, line=line))
            continue
        key = str(key_node.value)
        child = f"{path}.{key}" if path else key
        if key in result:
            first = doc.lines.get(child)
            message = f"duplicate key '{key}' (first defined on line {first}); remove one"
            doc.problems.append(Problem(message, field=child, file=doc.file, line=line))
            continue
        doc.lines[child] = line
        result[key] = _convert(value_node, child, doc, loader)
    return result
