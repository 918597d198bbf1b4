"""Static checks of a prompt's Jinja before any run: syntax, sandbox escapes, filters, and every name it uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError, meta, nodes

from writeit.adapters.templates.safety import Finding, too_deep, unsafe
from writeit.domain.template import STYLE_FIELDS

ROOTS = frozenset({"inputs", "defaults", "style", "steps", "fragments"})  # fragments: a list, any use is fine
# `user_input` is the original WriteIt's name for what the writer typed on that step: its feedback.
STEP_FIELDS = ("selected_response", "feedback", "user_input", "candidates")
FEEDBACK_FIELDS = ("feedback", "user_input")
_LOOKUP = (nodes.Getattr, nodes.Getitem)
_UNSUPPORTED = (nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)
# A step renders as its selected text (a str), so its string methods are fair game too.
_STR_METHODS = frozenset(name for name in dir(str) if not name.startswith("_"))
_VALUE_ATTRS = _STR_METHODS | frozenset(name for t in (int, float) for name in dir(t) if not name.startswith("_"))


@dataclass(frozen=True, slots=True)
class Scope:
    """What a step's prompt may refer to."""

    inputs: frozenset[str]
    defaults: frozenset[str]
    steps: tuple[str, ...]
    current: str

    @property
    def earlier(self) -> tuple[str, ...]:
        return self.steps[: self.steps.index(self.current)]


def check_source(env: Environment, source: str, scope: Scope) -> list[Finding]:
    """Every problem in one Jinja string (and notes, `note=True`); `lineno` counts lines inside `source`, from 1."""
    deep = too_deep(source)
    if deep is not None:
        return [deep]
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        return [Finding(f"template syntax error: {exc.message}", exc.lineno)]
    except RecursionError:
        return [Finding("nested too deeply to read", 1)]
    findings = [*unsafe(ast), *_unsupported(env, ast), *_unknown_names(env, ast, scope), *_empty(ast, source)]
    for name, keys, lineno in _chains(ast):
        message = _check_chain(name, keys, scope)
        if message:
            findings.append(Finding(message, lineno))
    return sorted(findings, key=lambda f: f.lineno)


def uses_feedback_of(env: Environment, source: str, step: str) -> bool:
    """Whether `source` mentions `steps.<step>.feedback` (then the renderer need not append the feedback)."""
    chains = _chains(env.parse(source))
    return any(
        name == "steps" and keys[:1] == [step] and len(keys) > 1 and keys[1] in FEEDBACK_FIELDS
        for name, keys, _ in chains
    )


def uses_fragments(env: Environment, source: str) -> bool:
    """Whether `source` mentions `fragments` (else the first step's prompt starts with them, as `llm -f` does)."""
    return "fragments" in meta.find_undeclared_variables(env.parse(source))


def _empty(ast: nodes.Template, source: str) -> Iterator[Finding]:
    if source.strip() and not ast.body:
        yield Finding("renders nothing (an unclosed {% raw %} or {# comment?)", 1)


def _unsupported(env: Environment, ast: nodes.Template) -> Iterator[Finding]:
    for node in ast.find_all(_UNSUPPORTED):
        yield Finding(f"{{% {type(node).__name__.lower()} %}} is not supported in prompts", node.lineno)
    for flt in ast.find_all(nodes.Filter):
        if flt.name not in env.filters:
            yield Finding(f"unknown filter '{flt.name}'", flt.lineno)
    for test in ast.find_all(nodes.Test):
        if test.name not in env.tests:
            yield Finding(f"unknown test '{test.name}'", test.lineno)


def _unknown_names(env: Environment, ast: nodes.Template, scope: Scope) -> Iterator[Finding]:
    try:
        unknown = meta.find_undeclared_variables(ast) - ROOTS - set(env.globals)
    except TemplateSyntaxError:
        return  # Jinja's scope tracking stops at an unknown filter or test, which is already reported.
    reported: set[str] = set()
    for name_node in ast.find_all(nodes.Name):
        name = name_node.name
        if name in unknown and name not in reported:
            reported.add(name)
            if name in scope.inputs:
                message = (
                    f"'{name}' is read as inputs.{name}, as the original WriteIt did; write {{{{ inputs.{name} }}}}"
                )
                yield Finding(message, name_node.lineno, note=True)
            else:
                yield Finding(f"unknown name '{name}'{_hint(name, scope)}", name_node.lineno)


def _hint(name: str, scope: Scope) -> str:
    if name in scope.steps:
        return f"; write steps.{name}"
    return "; prompts can use inputs.*, defaults.*, style.*, steps.* and fragments"


def _chains(ast: nodes.Template) -> Iterator[tuple[str, list[str | None], int]]:
    """Each outermost attribute/item chain rooted at one of ROOTS, as (root, keys); None marks a computed key."""
    lookups = [node for node in ast.find_all((nodes.Getattr, nodes.Getitem)) if isinstance(node, _LOOKUP)]
    inner = {id(node.node) for node in lookups}
    outermost: list[nodes.Node] = [node for node in [*lookups, *ast.find_all(nodes.Name)] if id(node) not in inner]
    for node in outermost:
        keys: list[str | None] = []
        while isinstance(node, _LOOKUP):
            keys.append(_key_of(node))
            node = node.node
        if isinstance(node, nodes.Name) and node.name in ROOTS and node.ctx == "load":
            yield node.name, keys[::-1], node.lineno


def _key_of(node: nodes.Node) -> str | None:
    """The attribute or constant item name `node` looks up; None for anything computed."""
    if isinstance(node, nodes.Getattr):
        return str(node.attr)
    arg = node.arg if isinstance(node, nodes.Getitem) else None
    return arg.value if isinstance(arg, nodes.Const) and isinstance(arg.value, str) else None


def _check_chain(root: str, keys: list[str | None], scope: Scope) -> str:
    if root == "steps" and (not keys or keys[0] is None):
        # Any other use (`{% set s = steps %}`, `steps|list`, a loop) could reach a later step unchecked.
        return "steps can only be used as steps.<step> or steps['<step>'], naming an earlier step"
    if not keys or root == "fragments":
        return ""
    key = keys[0]
    if key is None:
        return f"{root}[...]: a computed name cannot be checked before a run; write {root}.<name>"
    if root == "steps":
        return _check_step(key, keys[1:], scope)
    known = {"inputs": scope.inputs, "defaults": scope.defaults, "style": STYLE_FIELDS}[root]
    if key in known:
        return "" if root == "defaults" else _check_value(f"{root}.{key}", keys[1:])
    what = {"inputs": "input", "defaults": "default", "style": "style field"}[root]
    return f"{root}.{key}: unknown {what} '{key}' (known: {', '.join(sorted(known)) or 'none'})"


def _check_step(key: str, rest: list[str | None], scope: Scope) -> str:
    field = rest[0] if rest else None
    if key == scope.current:
        if field in FEEDBACK_FIELDS:
            return ""
        return f"steps.{key}: a step cannot use its own output; only steps.{key}.feedback"
    if key not in scope.steps:
        return f"steps.{key}: unknown step '{key}' (earlier steps: {', '.join(scope.earlier) or 'none'})"
    if key not in scope.earlier:
        return f"steps.{key}: step '{key}' runs after '{scope.current}'; a prompt can only use earlier steps"
    if field is not None and field not in STEP_FIELDS and field not in _STR_METHODS:
        return f"steps.{key}.{field}: unknown field '{field}' (use {', '.join(STEP_FIELDS)})"
    if field in STEP_FIELDS and field != "candidates":
        return _check_value(f"steps.{key}.{field}", rest[1:])
    return "" if field is not None else _check_value(f"steps.{key}", rest)


def _check_value(path: str, rest: list[str | None]) -> str:
    """An input, a style field or a step's text is text or a number: only their own methods follow a dot."""
    attr = rest[0] if rest else None
    if attr is None or attr in _VALUE_ATTRS:
        return ""
    return f"{path}.{attr}: '{path}' is a text or number value; it has no '{attr}'"
