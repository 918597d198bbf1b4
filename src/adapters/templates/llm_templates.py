"""A step's prompt and system from llm's saved template (`llm_template: NAME`), turned into our Jinja."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

# A saved template's name, as `llm templates` lists it: never a path, a URL or a `prefix:` loader.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z")
# What an llm template may hold that a WriteIt step has no place for: refused rather than silently dropped.
_UNSUPPORTED = (
    *("attachments", "attachment_types", "options", "extract", "extract_last", "schema_object"),
    *("fragments", "system_fragments", "tools", "functions"),
)


@dataclass(frozen=True, slots=True)
class LlmStep:
    prompt: str
    system: str
    model: str


def load_llm_step(name: str, previous_step: str | None, input_keys: frozenset[str]) -> LlmStep:
    """The saved template `name` as a step: `$input` is the previous step's text (`inputs.input` on the first
    step), `$x` is `inputs.x` (or the template's own default for x when there is no such input), `$$` is `$`.
    Raises ValueError saying what is wrong."""
    if not _NAME.match(name):
        raise ValueError(f"'{name}' is not the name of a saved llm template (see `llm templates list`)")
    from llm.cli import load_template, template_dir

    path = template_dir() / f"{name}.yaml"  # type: ignore[no-untyped-call]
    if not path.is_file():
        raise ValueError(f"no llm template '{name}' (see `llm templates list`)")  # no path: the API shows this
    try:
        template = load_template(name)
    except Exception as exc:  # a YAML or schema error in llm's file
        raise ValueError(f"llm template '{name}' cannot be read: {exc}") from None
    present = [key for key in _UNSUPPORTED if getattr(template, key, None)]
    if present:
        raise ValueError(f"llm template '{name}' uses {', '.join(present)}, which a WriteIt step does not support")
    defaults = dict(template.defaults or {})

    def jinja(text: str) -> str:
        return _to_jinja(text, previous_step, input_keys, defaults)

    prompt = jinja(template.prompt) if template.prompt else jinja("$input")  # llm sends the input as the prompt
    return LlmStep(prompt=prompt, system=jinja(template.system or ""), model=str(template.model or ""))


def _to_jinja(text: str, previous: str | None, inputs: frozenset[str], defaults: dict[str, Any]) -> str:
    parts: list[str] = []
    position = 0
    for match in string.Template.pattern.finditer(text):
        parts.append(_literal(text[position : match.start()]))
        position = match.end()
        name = match.group("named") or match.group("braced")
        if match.group("escaped") is not None:
            parts.append("$")
        elif name is None:  # a lone `$` llm would refuse: keep it as text
            parts.append(_literal(match.group(0)))
        elif name == "input" and previous is not None:
            parts.append(f"{{{{ steps.{previous} }}}}")
        elif name not in inputs and name in defaults:
            parts.append(_literal(str(defaults[name])))
        else:
            parts.append(f"{{{{ inputs.{name} }}}}")
    parts.append(_literal(text[position:]))
    return "".join(parts)


def _literal(text: str) -> str:
    """Text that Jinja must leave alone, as llm's templates know nothing of `{{`."""
    if not any(mark in text for mark in ("{{", "{%", "{#")):
        return text
    return "{% raw %}" + text.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}") + "{% endraw %}"
