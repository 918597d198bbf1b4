"""The bounded sandbox prompts render in: every output, join, filter, call and operator is measured first."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from writeit.adapters.templates.limits import RenderLimitError, spend
from writeit.domain.template import brief

MAX_SIZE = 1_000_000  # characters (or items) of any one value, and of a rendered prompt
MAX_ARG = 100_000  # a width, count or length given to a filter or method
MAX_BITS = 10_000  # bits of an integer a prompt may compute
_REFUSED_ATTRS = frozenset({"format", "format_map", "mro"})
_WIDTH = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")
_CONTAINERS = (list, tuple, dict, set, frozenset)
_TICK, _OUT, _SIZE = "_writeit_tick", "_writeit_out", "_writeit_size"


def _sized(value: Any) -> Any:
    """`value`, once its size written out is known to be within MAX_SIZE. A list repeated inside a list is small
    in memory and huge as text, so nested containers are measured as a whole (at most MAX_SIZE steps)."""
    if isinstance(value, str):
        if len(value) > MAX_SIZE:
            raise RenderLimitError(f"a value longer than {MAX_SIZE:,} characters")
        return value
    if not isinstance(value, _CONTAINERS):
        return value
    size, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend((*item.keys(), *item.values()))
        elif isinstance(item, _CONTAINERS):
            stack.extend(item)
        size += len(item) if isinstance(item, (str, *_CONTAINERS)) else 1
        if size > MAX_SIZE:
            raise RenderLimitError(f"a value longer than {MAX_SIZE:,} characters or items, written out")
    return value


def _check_args(args: tuple[Any, ...], kwargs: dict[str, Any], length: int) -> None:
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_ARG:
            raise RenderLimitError(f"{brief(arg)} is larger than the limit of {MAX_ARG:,} for a width or count")
        if isinstance(arg, str) and (length + 1) * max(len(arg), 1) > MAX_SIZE * 4 and len(arg) > 1:
            raise RenderLimitError(f"the result would be longer than {MAX_SIZE:,} characters")


def _bounded_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        spend()
        for arg in (*args[skip:], *kwargs.values()):
            _sized(arg)
        value = args[skip] if len(args) > skip else ""
        _check_args(args[skip + 1 :], kwargs, len(value) if isinstance(value, str | list | tuple) else 0)
        if func.__name__ == "do_format" and isinstance(value, str):
            _check_widths(value)
        return _sized(func(*args, **kwargs))

    return guarded


def _check_widths(text: str) -> None:
    for width, precision in _WIDTH.findall(text):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_ARG):
                raise RenderLimitError(f"a format width or precision over {MAX_ARG:,} (or '*')")


def _tick(lineno: int) -> str:
    spend(lineno)
    return ""


def _out(value: Any) -> str:
    current = spend()
    text = str(_sized(value))
    current.produced += len(text)
    if current.produced > MAX_SIZE * 4:
        raise RenderLimitError(f"produced more than {MAX_SIZE * 4:,} characters")
    return text


class _Instrument(NodeTransformer):
    """Counts loop iterations and macro calls, and measures every output and `~` join, as the template runs."""

    def _filter(self, node: nodes.Expr, name: str) -> nodes.Filter:
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    def _tick_first(self, node: nodes.For | nodes.Macro | nodes.CallBlock) -> nodes.Node:
        self.generic_visit(node)
        tick = self._filter(nodes.Const(node.lineno, lineno=node.lineno), _TICK)
        node.body.insert(0, nodes.ExprStmt(tick, lineno=node.lineno))
        return node

    visit_For = visit_Macro = visit_CallBlock = _tick_first  # noqa: N815 (Jinja dispatches on node class names)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        node.nodes = [self._filter(part, _SIZE) for part in node.nodes]
        return self._filter(node, _SIZE)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        node.nodes = [n if isinstance(n, nodes.TemplateData) else self._filter(n, _OUT) for n in node.nodes]
        return node


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every amplifying operation measured before it runs."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, optimized=False)
        self.filters = {name: _bounded_filter(func) for name, func in self.filters.items()}
        self.filters |= {_TICK: _tick, _OUT: _out, _SIZE: lambda value: _sized(value)}

    def _generate(self, source: nodes.Template, *args: Any, **kwargs: Any) -> str:
        return super()._generate(_Instrument().visit(source), *args, **kwargs)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return attr not in _REFUSED_ATTRS and super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        spend()
        _sized(left)
        _sized(right)
        _check_binop(operator, left, right)
        return _sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        spend()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            for arg in (*args, *kwargs.values()):
                _sized(arg)
            _check_args(args, kwargs, len(owner))
        return _sized(super().call(__context, __obj, *args, **kwargs))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    ints = all(isinstance(v, int) for v in (left, right))
    if operator == "**" and ints and right > 0 and abs(left) > 1 and right * abs(left).bit_length() > MAX_BITS:
        raise RenderLimitError(f"{brief(left)} ** {brief(right)} is larger than {MAX_BITS:,} bits")
    if operator == "*" and ints and left.bit_length() + right.bit_length() > MAX_BITS:
        raise RenderLimitError(f"a product larger than {MAX_BITS:,} bits")
    sized = [v for v in (left, right) if isinstance(v, str | list | tuple)]
    if operator == "*" and sized and ints is False:
        count = right if isinstance(right, int) else left
        if isinstance(count, int) and len(sized[0]) * count > MAX_SIZE:
            raise RenderLimitError(f"repeating a value would make it longer than {MAX_SIZE:,}")
    if operator == "+" and len(sized) == 2 and len(sized[0]) + len(sized[1]) > MAX_SIZE:
        raise RenderLimitError(f"joining values would make one longer than {MAX_SIZE:,}")
    if operator == "%" and isinstance(left, str):
        _check_widths(left)
