"""Rendering a step's prompt, system text and models in one sandboxed Jinja2 environment, compiled templates cached."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from writeit.adapters.templates.references import STYLE_FIELDS, uses_feedback_of, uses_fragments
from writeit.application.ports import RenderedPrompt, StepContext
from writeit.domain.errors import Problem, TemplateInvalidError
from writeit.domain.template import PipelineTemplate, StepSpec

FEEDBACK_INSTRUCTION = "\n\nRevise your answer taking this feedback into account:\n{feedback}"
_CACHE_LIMIT = 512
# Only globals that cannot fail or leak: prompts have no use for cycler, joiner or lipsum.
_GLOBALS = ("range", "dict", "namespace")
_RENDER_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError)


class StepView(str):
    """A step as a prompt sees it: renders as the selected text, and has the step's other fields as attributes."""

    selected_response: str
    feedback: str
    candidates: tuple[str, ...]

    def __new__(cls, context: StepContext) -> StepView:
        view = super().__new__(cls, context.selected_response)
        view.selected_response = context.selected_response
        view.feedback = context.feedback
        view.candidates = tuple(context.candidates)
        return view


class FragmentView(str):
    """A fragment as a prompt sees it: renders as its content, with its `.source` (path, URL, loader reference)."""

    source: str

    def __new__(cls, fragment: Mapping[str, str]) -> FragmentView:
        view = super().__new__(cls, fragment["content"])
        view.source = fragment["source"]
        return view


def empty_style(name: str = "") -> dict[str, str]:
    """A primer whose every field renders as "" (so `style.*` never fails when no primer is chosen)."""
    return {field: "" for field in STYLE_FIELDS} | {"name": name}


class PromptRenderer:
    """Owns the one sandboxed environment; everything that parses or renders prompts goes through it."""

    def __init__(self) -> None:
        self.env = ImmutableSandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        self.env.globals = {name: self.env.globals[name] for name in _GLOBALS}
        self._compiled: dict[str, Template] = {}

    def compile(self, source: str) -> Template:
        """The compiled template for `source` (cached); raises jinja2.TemplateSyntaxError."""
        template = self._compiled.get(source)
        if template is None:
            if len(self._compiled) >= _CACHE_LIMIT:
                self._compiled.clear()
            template = self._compiled[source] = self.env.from_string(source)
        return template

    def render(
        self,
        template: PipelineTemplate,
        step: str,
        inputs: Mapping[str, Any],
        steps: Mapping[str, StepContext],
        style: Mapping[str, str],
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> RenderedPrompt:
        """The step's prompt (with its feedback appended unless the prompt uses it), system text and models."""
        spec = template.step(step)
        views = {key: StepView(steps.get(key, StepContext())) for key in template.step_keys}
        context = {
            "inputs": _inputs(template, inputs),
            "defaults": dict(template.defaults),
            "style": empty_style() | dict(style),
            "steps": views,
            "fragments": [FragmentView(f) for f in fragments],
        }
        field = f"steps.{step}"
        prompt = self._render(spec.prompt_template, context, f"{field}.prompt_template", template.source)
        if fragments and template.step_keys[:1] == (step,) and not self._uses_fragments(template):
            prompt = "".join(f"{f['content'].rstrip()}\n\n" for f in fragments) + prompt
        feedback = views[step].feedback
        if feedback.strip() and not self._uses_feedback(spec):
            prompt += FEEDBACK_INSTRUCTION.format(feedback=feedback)
        system = self._render(spec.system, context, f"{field}.system", template.source) if spec.system else ""
        return RenderedPrompt(prompt=prompt, system=system, models=self._models(template, spec, context))

    def _render(self, source: str, context: Mapping[str, Any], field: str, file: str) -> str:
        try:
            return self.compile(source).render(context)
        except SecurityError as exc:
            problem = Problem(f"refused by the sandbox: {exc}", field=field, file=file)
            raise TemplateInvalidError([problem]) from None
        except _RENDER_ERRORS as exc:
            problem = Problem(f"cannot render: {exc}", field=field, file=file)
            raise TemplateInvalidError([problem]) from None

    def _uses_fragments(self, template: PipelineTemplate) -> bool:
        sources = (s for spec in template.steps for s in (spec.prompt_template, spec.system))
        return any(uses_fragments(self.env, source) for source in sources if source)

    def _uses_feedback(self, spec: StepSpec) -> bool:
        return any(uses_feedback_of(self.env, source, spec.key) for source in (spec.prompt_template, spec.system))

    def _models(self, template: PipelineTemplate, spec: StepSpec, context: Mapping[str, Any]) -> tuple[str, ...]:
        """The step's `models`, else its `model_preference`, else the template's defaults; () lets the caller pick."""
        field = f"steps.{spec.key}.{'models' if spec.models else 'model_preference'}"
        entries = spec.models or spec.model_preference
        rendered: Iterable[str]
        if entries:
            rendered = [self._render(e, context, field, template.source) if "{" in e else e for e in entries]
        else:
            rendered = _default_models(template.defaults)
        return tuple(model.strip() for model in rendered if model.strip())


def _inputs(template: PipelineTemplate, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared input, so optional ones that were left out render as ""."""
    values = {}
    for spec in template.inputs:
        value = given.get(spec.key)
        value = spec.default if value is None else value
        values[spec.key] = "" if value is None else value
    return values


def _default_models(defaults: Mapping[str, Any]) -> Iterable[str]:
    models = defaults.get("models")
    if models:
        return [str(m) for m in models] if isinstance(models, list | tuple) else [str(models)]
    model = defaults.get("model")
    return [str(model)] if model else []
