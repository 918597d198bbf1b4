"""Loading a template: YAML text → validated PipelineTemplate, or every problem located by file, line and field."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from jinja2 import TemplateSyntaxError

from writeit.adapters.templates.references import Scope, check_source
from writeit.adapters.templates.renderer import PromptRenderer
from writeit.adapters.templates.schema import build_template
from writeit.adapters.templates.yamldoc import YamlDoc, parse_yaml
from writeit.application.ports import StepContext
from writeit.domain.errors import Problem, TemplateInvalidError
from writeit.domain.template import STYLE_FIELDS, InputSpec, InputType, PipelineTemplate, StepSpec

BUILTIN_PREFIX = "builtin:"
_REFUSALS = ("stopped:", "refused by the sandbox:")


class TemplateLoader:
    """Parses and validates templates with the renderer's own environment, so what validates also renders."""

    def __init__(self, renderer: PromptRenderer) -> None:
        self._renderer = renderer

    def parse(self, text: str, source: str) -> PipelineTemplate:
        """Parse and validate; raises TemplateInvalidError listing every problem found, in file order."""
        doc = parse_yaml(text, source)
        template = build_template(doc, source, text, default_name(source))
        if template is not None:
            self._check_prompts(doc, template)
        if not doc.problems and template is not None:
            self._trial_render(doc, template)
        if doc.problems or template is None:
            raise TemplateInvalidError(sorted(doc.problems, key=lambda p: p.line or 0))
        return dataclasses.replace(template, notes=tuple(sorted(doc.notes, key=lambda p: p.line or 0)))

    def _trial_render(self, doc: YamlDoc, template: PipelineTemplate) -> None:
        """Render every step with stand-in values: a render the limits stop, or the sandbox refuses, is refused
        now. (Other errors, a zero divisor say, depend on real values: a run's start checks those.)"""
        inputs = {spec.key: _stand_in(spec) for spec in template.inputs}
        style = {name: "…" for name in STYLE_FIELDS}
        earlier = StepContext(selected_response="…", feedback="…", candidates=("…",))
        for spec in template.steps:
            steps = {key: earlier for key in template.step_keys[: template.step_keys.index(spec.key)]}
            try:
                self._renderer.render(template, spec.key, inputs, steps, style, refuse_empty=False)
            except TemplateInvalidError as exc:
                doc.problems.extend(p for p in exc.problems if p.message.startswith(_REFUSALS))

    def _check_prompts(self, doc: YamlDoc, template: PipelineTemplate) -> None:
        inputs = frozenset(spec.key for spec in template.inputs)
        defaults = frozenset(str(key) for key in template.defaults)
        for spec in template.steps:
            scope = Scope(inputs=inputs, defaults=defaults, steps=template.step_keys, current=spec.key)
            for path, source in _jinja_fields(doc, spec):
                self._check_one(doc, path, source, scope)

    def _check_one(self, doc: YamlDoc, path: str, source: str, scope: Scope) -> None:
        findings = check_source(self._renderer.env, source, scope)
        for finding in findings:
            problem = Problem(finding.message, field=path, file=doc.file, line=doc.text_line(path, finding.lineno))
            (doc.notes if finding.note else doc.problems).append(problem)
        if any(not finding.note for finding in findings):
            return
        try:
            self._renderer.compile(source)
        except TemplateSyntaxError as exc:
            message = f"template error: {exc.message}"
            doc.problems.append(Problem(message, field=path, file=doc.file, line=doc.text_line(path, exc.lineno)))


def _jinja_fields(doc: YamlDoc, spec: StepSpec) -> Iterator[tuple[str, str]]:
    """(dotted path, Jinja source) of every string of the step that is rendered."""
    base = f"steps.{spec.key}"
    yield f"{base}.prompt_template", spec.prompt_template
    if spec.system:
        yield f"{base}.system", spec.system
    for name, entries in (("model_preference", spec.model_preference), ("models", spec.models)):
        for i, entry in enumerate(entries):
            item = f"{base}.{name}[{i}]"
            yield (item if item in doc.lines else f"{base}.{name}"), entry


def _stand_in(spec: InputSpec) -> Any:
    if spec.default is not None:
        return spec.default
    if spec.options:
        return spec.options[0]
    return {InputType.NUMBER: 1, InputType.BOOLEAN: True}.get(spec.type, "…")


def default_name(source: str) -> str:
    """The name a template gets from where it came from: `builtin:x` → x, `dir/x.yaml` → x."""
    if source.startswith(BUILTIN_PREFIX):
        return source[len(BUILTIN_PREFIX) :]
    return PurePath(source).stem or "template"
