"""InMemoryTemplateCatalog: a TemplateCatalog over templates and style primers given in code, for unit tests."""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from writeit.application.errors import TemplateNotFoundError
from writeit.application.ports import RenderedPrompt, StepContext, TemplateSummary
from writeit.domain.errors import Problem, TemplateInvalidError
from writeit.domain.template import PipelineTemplate, StepSpec

# As the real catalog words them: the feedback a prompt does not place itself is appended so.
FEEDBACK_INSTRUCTION = "\n\nRevise your answer taking this feedback into account:\n{feedback}"
_NAME = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


class InMemoryTemplateCatalog:
    """Templates in layers searched in order, e.g. [("workspace", [...]), ("global", [...])]: a name shadows the
    same name in a later layer. A template's name is its metadata name.

    Prompts are rendered by plain `{{ name }}` substitution of what a real prompt sees (`inputs.*`,
    `defaults.*`, `style.*`, `steps.<key>` and its `.selected_response`, `.feedback`), strict about undefined
    names: the real catalog's Jinja2 without expressions, filters or statements. `parse` knows the texts of the
    templates it holds (a pipeline records its template's text); any other text is invalid.
    """

    def __init__(
        self,
        layers: Sequence[tuple[str, Sequence[PipelineTemplate]]],
        styles: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._layers = [(origin, list(templates)) for origin, templates in layers]
        self._styles = {name: dict(fields) for name, fields in (styles or {}).items()}

    def list(self) -> builtins.list[TemplateSummary]:
        found = self._by_name()
        return [
            TemplateSummary(
                name=name, description=t.metadata.description, origin=origin, path=t.source, steps=t.step_keys
            )
            for name, (origin, t) in found.items()
        ]

    def get(self, name_or_path: str) -> PipelineTemplate:
        found = self._by_name().get(name_or_path)
        if found is None:
            raise TemplateNotFoundError(name_or_path, [origin for origin, _ in self._layers])
        return found[1]

    def parse(self, text: str, source: str) -> PipelineTemplate:
        for _, templates in self._layers:
            for template in templates:
                if template.text == text:
                    return dataclasses.replace(template, source=source)
        raise TemplateInvalidError([Problem("not the text of a template this catalog holds", file=source)])

    def render(
        self,
        template: PipelineTemplate,
        step: str,
        inputs: Mapping[str, Any],
        steps: Mapping[str, StepContext],
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> RenderedPrompt:
        spec = template.step(step)
        names = self._names(template, inputs, steps)
        field = f"steps.{step}"
        prompt = _substitute(spec.prompt_template, names, f"{field}.prompt_template", template.source)
        unused = not any("fragments" in s.prompt_template + s.system for s in template.steps)
        if fragments and unused and template.step_keys[:1] == (step,):  # as `llm -f` does: before the first prompt
            prompt = "".join(f"{f['content'].rstrip()}\n\n" for f in fragments) + prompt
        feedback = steps.get(step, StepContext()).feedback
        if feedback.strip() and f"steps.{step}.feedback" not in spec.prompt_template + spec.system:
            prompt += FEEDBACK_INSTRUCTION.format(feedback=feedback)
        system = _substitute(spec.system, names, f"{field}.system", template.source)
        return RenderedPrompt(prompt=prompt, system=system, models=_models(template, spec, names))

    def list_styles(self) -> builtins.list[str]:
        return sorted(self._styles)

    def get_style(self, name: str) -> dict[str, str]:
        if name not in self._styles:
            raise TemplateNotFoundError(name, ["styles"])
        return {"name": name} | self._styles[name]

    def _by_name(self) -> dict[str, tuple[str, PipelineTemplate]]:
        found: dict[str, tuple[str, PipelineTemplate]] = {}
        for origin, templates in self._layers:
            for template in templates:
                found.setdefault(template.name, (origin, template))
        return found

    def _names(
        self, template: PipelineTemplate, inputs: Mapping[str, Any], steps: Mapping[str, StepContext]
    ) -> dict[str, str]:
        """Every name a prompt may use, with its text."""
        names: dict[str, str] = {}
        for spec in template.inputs:
            value = inputs.get(spec.key)
            value = spec.default if value is None else value
            names[f"inputs.{spec.key}"] = "" if value is None else str(value)
        names |= {f"defaults.{k}": str(v) for k, v in template.defaults.items()}
        style = str(inputs.get("style") or template.defaults.get("style") or "")
        names |= {f"style.{k}": v for k, v in self._styles.get(style, {}).items()}
        for key in template.step_keys:
            context = steps.get(key, StepContext())
            names[f"steps.{key}"] = names[f"steps.{key}.selected_response"] = context.selected_response
            names[f"steps.{key}.feedback"] = context.feedback
        return names


def _substitute(source: str, names: Mapping[str, str], field: str, file: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names and not name.startswith("style."):  # any style field renders, "" when unset
            raise TemplateInvalidError([Problem(f"cannot render: '{name}' is undefined", field=field, file=file)])
        return names.get(name, "")

    return _NAME.sub(value, source)


def _models(template: PipelineTemplate, spec: StepSpec, names: Mapping[str, str]) -> tuple[str, ...]:
    """The step's `models`, else its `model_preference`, else the template's default models."""
    field = f"steps.{spec.key}.{'models' if spec.models else 'model_preference'}"
    entries: Sequence[str] = spec.models or spec.model_preference
    if not entries:
        default = template.defaults.get("models") or template.defaults.get("model") or ()
        entries = [str(m) for m in default] if isinstance(default, list | tuple) else [str(default)]
    rendered = (_substitute(e, names, field, template.source) for e in entries)
    return tuple(model.strip() for model in rendered if model.strip())
