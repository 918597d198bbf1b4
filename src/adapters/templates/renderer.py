"""Rendering a step's prompt, system text and models in one sandboxed Jinja2 environment, compiled templates cached."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateError
from jinja2.exceptions import SecurityError

from writeit.adapters.templates.limits import RenderLimitError, budget
from writeit.adapters.templates.references import ROOTS, uses_feedback_of, uses_fragments
from writeit.adapters.templates.sandbox import MAX_SIZE, BoundedSandbox
from writeit.adapters.templates.yamldoc import parse_yaml
from writeit.application.ports import RenderedPrompt, StepContext
from writeit.domain.errors import Problem, TemplateInvalidError
from writeit.domain.template import STYLE_FIELDS, PipelineTemplate, StepSpec

FEEDBACK_INSTRUCTION = "\n\nRevise your answer taking this feedback into account:\n{feedback}"
_CACHE_LIMIT = 512
# Only globals that cannot fail or leak: prompts have no use for cycler, joiner or lipsum.
_GLOBALS = ("range", "dict", "namespace")
_RENDER_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError)
# OverflowError: the sandbox's own cap on range() (100,000 items), or a float past its range.
_LIMIT_ERRORS = (RenderLimitError, RecursionError, MemoryError, OverflowError)


class StepView(str):
    """A step as a prompt sees it: renders as the selected text, and has the step's other fields as attributes."""

    selected_response: str
    feedback: str
    user_input: str
    candidates: tuple[str, ...]

    def __new__(cls, context: StepContext) -> StepView:
        view = super().__new__(cls, context.selected_response)
        view.selected_response = context.selected_response
        view.feedback = context.feedback
        # The original WriteIt's name for what the writer typed on the step: here, the feedback they gave it.
        view.user_input = context.feedback
        view.candidates = tuple(context.candidates)
        return view


class StyleView(str):
    """A primer as a prompt sees it: a bare `{{ style }}` renders its name, as the original WriteIt rendered the
    style input; its fields are attributes (`style.voice`)."""

    def __new__(cls, fields: Mapping[str, str]) -> StyleView:
        view = super().__new__(cls, fields.get("name", ""))
        view.__dict__.update(fields)
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
        self.env = BoundedSandbox()
        self.env.globals = {name: self.env.globals[name] for name in _GLOBALS}
        self._compiled: dict[str, Template] = {}
        self._mentions: dict[tuple[str, str], bool] = {}  # (source, what): parsed once, not on every render

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
        *,
        refuse_empty: bool = True,
    ) -> RenderedPrompt:
        """The step's prompt (with its feedback appended unless the prompt uses it), system text and models.
        Refuses, as TemplateInvalidError naming the file, field and line: a render error, a render past a limit,
        and (with `refuse_empty`) a prompt that renders as nothing but whitespace."""
        spec = template.step(step)
        views = {key: StepView(steps.get(key, StepContext())) for key in template.step_keys}
        values = _inputs(template, inputs)
        context: dict[str, Any] = {
            "inputs": values,
            "defaults": dict(template.defaults),
            "style": StyleView(empty_style() | dict(style)),
            "steps": views,
            "fragments": [FragmentView(f) for f in fragments],
        }
        # A bare `{{ topic }}` is the input, as the original WriteIt rendered it (validation notes the fix).
        context |= {k: v for k, v in values.items() if k not in ROOTS and k not in self.env.globals}
        field = f"steps.{step}"
        prompt = self._render(spec.prompt_template, context, f"{field}.prompt_template", template)
        if fragments and template.step_keys[:1] == (step,) and not self._uses_fragments(template):
            prompt = "".join(f"{f['content'].rstrip()}\n\n" for f in fragments) + prompt
        if refuse_empty and not prompt.strip():
            message, where = "the prompt renders as empty text; nothing would be sent", f"{field}.prompt_template"
            line = file_line(template, where, 1)  # the prompt's first line
            raise TemplateInvalidError([Problem(message, field=where, file=template.source, line=line)])
        feedback = views[step].feedback
        if feedback.strip() and not self._uses_feedback(spec):
            prompt += FEEDBACK_INSTRUCTION.format(feedback=feedback)
        system = self._render(spec.system, context, f"{field}.system", template) if spec.system else ""
        return RenderedPrompt(prompt=prompt, system=system, models=self._models(template, spec, context))

    def _render(self, source: str, context: Mapping[str, Any], field: str, template: PipelineTemplate) -> str:
        try:
            with budget():
                text = self.compile(source).render(context)
        except SecurityError as exc:
            raise _located(f"refused by the sandbox: {exc}", field, template, exc) from None
        except _LIMIT_ERRORS as exc:
            raise _located(f"stopped: {_limit_message(exc)}", field, template, exc) from None
        except _RENDER_ERRORS as exc:
            raise _located(f"cannot render: {exc}", field, template, exc) from None
        if len(text) > MAX_SIZE:
            raise _located(f"stopped: renders longer than {MAX_SIZE:,} characters", field, template, None)
        return text

    def _uses_fragments(self, template: PipelineTemplate) -> bool:
        sources = (s for spec in template.steps for s in (spec.prompt_template, spec.system))
        return any(self._mentions_of(source, "", uses_fragments) for source in sources if source)

    def _uses_feedback(self, spec: StepSpec) -> bool:
        return any(
            self._mentions_of(source, spec.key, lambda env, text: uses_feedback_of(env, text, spec.key))
            for source in (spec.prompt_template, spec.system)
            if source
        )

    def _mentions_of(self, source: str, step: str, check: Callable[[BoundedSandbox, str], bool]) -> bool:
        key = (source, step)  # step "" asks after fragments; a step's key, after that step's feedback
        found = self._mentions.get(key)
        if found is None:
            if len(self._mentions) >= _CACHE_LIMIT:
                self._mentions.clear()
            found = self._mentions[key] = check(self.env, source)
        return found

    def _models(self, template: PipelineTemplate, spec: StepSpec, context: Mapping[str, Any]) -> tuple[str, ...]:
        """The step's `models`, else its `model_preference`, else the template's defaults; () lets the caller pick."""
        field = f"steps.{spec.key}.{'models' if spec.models else 'model_preference'}"
        entries = spec.models or spec.model_preference
        rendered: Iterable[str]
        if entries:
            rendered = [self._render(e, context, field, template) if "{" in e else e for e in entries]
        else:
            rendered = _default_models(template.defaults)
        return tuple(model.strip() for model in rendered if model.strip())


def _limit_message(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply (a macro or loop calling itself?)"
    if isinstance(exc, MemoryError):
        return "ran out of memory"
    return str(exc)


def _located(message: str, field: str, template: PipelineTemplate, exc: BaseException | None) -> TemplateInvalidError:
    """The error at the file line it happened on: a limit's own prompt line, else the template frame's line."""
    lineno = getattr(exc, "lineno", None) if exc is not None else None
    tb: TracebackType | None = exc.__traceback__ if exc is not None else None
    while lineno is None and tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return TemplateInvalidError(
        [Problem(message, field=field, file=template.source, line=file_line(template, field, lineno))]
    )


def file_line(template: PipelineTemplate, field: str, lineno: int | None = None) -> int | None:
    """The template file's line of `field` (of line `lineno` inside it, for a prompt); None without the file."""
    if not template.text:
        return None
    try:
        doc = parse_yaml(template.text, template.source)
    except TemplateInvalidError:
        return None
    return doc.text_line(field, lineno) if lineno else doc.line(field)


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
    if isinstance(models, Mapping):  # the original's `models: {primary: ..., secondary: ...}`
        models = list(models.values())
    if models:
        return [str(m) for m in models] if isinstance(models, list | tuple) else [str(models)]
    model = defaults.get("model")
    return [str(model)] if model else []
