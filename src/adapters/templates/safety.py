"""Static safety checks of a prompt's Jinja AST: what the sandbox would refuse at render time is refused at validate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import nodes

MAX_NESTING = 100
# str.format/format_map reach attributes through "{0.__class__}"; mro() reaches every class.
_REFUSED_ATTRS = frozenset({"format", "format_map", "mro"})
# Methods that change a value in place: the immutable sandbox refuses them when called.
_MUTATING = frozenset(
    {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear", "update", "setdefault", "popitem"}
    | {"add", "discard", "difference_update", "intersection_update", "symmetric_difference_update"}
)
_GLOBAL_CALLABLES = frozenset({"dict", "range", "namespace"})
# Filters that look attributes up by a name given as an argument (positional index, or the `attribute=` keyword).
_ATTR_FILTERS = {"map": None, "sort": None, "unique": None, "min": None, "max": None, "sum": None, "groupby": 0}
_ATTR_FILTERS |= {"selectattr": 0, "rejectattr": 0}
# A computed item key may only be arithmetic over names and numbers (an index), never text built at run time.
_INDEX_NODES = (nodes.Name, nodes.Getattr, nodes.BinExpr, nodes.UnaryExpr, nodes.Slice, nodes.Const)
_TAG = re.compile(r"{{.*?}}|{%.*?%}", re.DOTALL)
_BLOCK = re.compile(r"{%-?\s*(end)?(if|for|macro|call|filter|with|block|set|raw)\b")


@dataclass(frozen=True, slots=True)
class Finding:
    message: str
    lineno: int
    note: bool = False


def too_deep(source: str) -> Finding | None:
    """Blocks, and brackets inside tags, nested past MAX_NESTING (the parser would recurse until it fails)."""
    blocks = 0
    for tag in _TAG.finditer(source):
        block = _BLOCK.match(tag.group())
        if block and not (block.group(2) == "set" and "=" in tag.group()):  # `{% set x = 1 %}` opens nothing
            blocks += -1 if block.group(1) else 1
        depth = blocks
        for offset, char in enumerate(tag.group()[2:-2], tag.start() + 2):
            depth += (char in "([{") - (char in ")]}")
            if depth > MAX_NESTING:
                return Finding(f"nested more than {MAX_NESTING} levels deep", source.count("\n", 0, offset) + 1)
    return None


def unsafe(ast: nodes.Template) -> Iterator[Finding]:
    """Every access the sandbox refuses, found in the AST instead of at render time."""
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            yield from _lookup(node)
    for call in ast.find_all(nodes.Call):
        if isinstance(call.node, nodes.Getattr) and call.node.attr in _MUTATING:
            yield Finding(f"'.{call.node.attr}()' changes a value in place; prompts cannot change values", call.lineno)
    for flt in ast.find_all(nodes.Filter):
        yield from _filter(flt)
    for name in ast.find_all(nodes.Name):
        if name.name == "self":
            yield Finding("'self' (the template object) is not available in prompts", name.lineno)


def _lookup(node: nodes.Getattr | nodes.Getitem) -> Iterator[Finding]:
    if isinstance(node, nodes.Getattr):
        attr = str(node.attr)
        if attr.startswith("_"):
            yield Finding(f"access to '{attr}' is not allowed: prompts run in a sandbox", node.lineno)
        elif attr in _REFUSED_ATTRS and not _is_root(node.node):  # `inputs.format` is an input named "format"
            yield Finding(f"'.{attr}' is not allowed in prompts: it reaches around the sandbox", node.lineno)
        elif isinstance(node.node, nodes.Name) and node.node.name in _GLOBAL_CALLABLES:
            yield Finding(f"'{node.node.name}.{attr}' is not allowed: call {node.node.name}() itself", node.lineno)
        return
    arg = node.arg
    if isinstance(arg, nodes.Const):
        if isinstance(arg.value, str) and arg.value.startswith("_"):
            yield Finding(f"access to '{arg.value}' is not allowed: prompts run in a sandbox", node.lineno)
    elif not _is_index(arg):
        yield Finding("an item name built at run time cannot be checked; write the name itself", node.lineno)


def _is_root(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name in ("inputs", "defaults", "style", "steps")


def _is_index(node: nodes.Node) -> bool:
    """Whether a computed key is index arithmetic: names, numbers, loop.index... but no text and no calls."""
    for part in [node, *node.find_all(nodes.Node)]:
        if not isinstance(part, _INDEX_NODES) and not isinstance(part, nodes.Operand | nodes.Compare):
            return False
        if isinstance(part, nodes.Const) and not isinstance(part.value, int | None):
            return False
    return True


def _filter(flt: nodes.Filter) -> Iterator[Finding]:
    named = [*flt.args, *(kw.value for kw in flt.kwargs)]
    if flt.name == "attr" or any(isinstance(a, nodes.Const) and str(a.value).startswith("_") for a in named):
        yield Finding(f"the '{flt.name}' filter cannot reach private attributes in the sandbox", flt.lineno)
        return
    if flt.name not in _ATTR_FILTERS:
        return
    position = _ATTR_FILTERS[flt.name]
    chosen = [kw.value for kw in flt.kwargs if kw.key == "attribute"]
    if position is not None and len(flt.args) > position:
        chosen.append(flt.args[position])
    if any(not isinstance(a, nodes.Const) for a in chosen):
        yield Finding(f"the '{flt.name}' filter needs its attribute written as a name, not computed", flt.lineno)
