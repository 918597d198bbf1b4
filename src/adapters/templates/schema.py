"""The WriteIt template format: plain YAML values → PipelineTemplate value objects, every problem recorded."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from writeit.adapters.templates import original
from writeit.adapters.templates.fields import count, criteria_list, flag, mapping, text, text_list, word, word_list
from writeit.adapters.templates.llm_templates import load_llm_step
from writeit.adapters.templates.yamldoc import YamlDoc
from writeit.domain.template import (
    InputSpec,
    InputType,
    PipelineTemplate,
    StepSpec,
    TemplateMetadata,
    brief,
    coerce_input,
)

TOP_KEYS = ("metadata", "defaults", "inputs", "steps")
METADATA_KEYS = ("name", "description", "version", "author", "tags")
INPUT_KEYS = ("type", "label", "required", "default", "options", "max_length", "placeholder", "help", "description")
STEP_KEYS = (
    *("name", "description", "type", "prompt_template", "model_preference", "response_count", "models", "system"),
    "depends_on",
    "llm_template",
    "criteria",
)
MAX_RESPONSES = 10
# Keys become Jinja attribute names (`steps.outline`), and the sandbox refuses names starting with "_".
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# Prompts see inputs and steps as dicts, whose methods would win over a key of the same name.
_RESERVED = frozenset(name for name in dir(dict) if not name.startswith("_"))


def build_template(doc: YamlDoc, source: str, text: str, default_name: str) -> PipelineTemplate | None:
    """The template described by `doc`, or None when its shape is beyond use; problems go to `doc.problems`."""
    root = doc.value
    if not isinstance(root, dict):
        doc.problem("", "the top level must be a mapping with `metadata`, `inputs` and `steps`")
        return None
    _check_keys(doc, root, "", TOP_KEYS)
    inputs = tuple(_input(doc, key, body) for key, body in _named(doc, root, "inputs").items())
    return PipelineTemplate(
        metadata=_metadata(doc, root.get("metadata"), default_name),
        defaults=MappingProxyType(mapping(doc, root.get("defaults"), "defaults")),
        inputs=inputs,
        steps=_steps(doc, root, frozenset(spec.key for spec in inputs)),
        source=source,
        text=text,
        notes=tuple(doc.notes),
    )


def _metadata(doc: YamlDoc, raw: Any, default_name: str) -> TemplateMetadata:
    fields = mapping(doc, raw, "metadata")
    _check_keys(doc, fields, "metadata", METADATA_KEYS, original.IGNORED_METADATA)
    return TemplateMetadata(
        name=text(doc, fields.get("name"), "metadata.name") or default_name,
        description=text(doc, fields.get("description"), "metadata.description"),
        version=text(doc, fields.get("version"), "metadata.version") or "1.0.0",
        author=text(doc, fields.get("author"), "metadata.author"),
        tags=text_list(doc, fields.get("tags"), "metadata.tags"),
    )


def _input(doc: YamlDoc, key: str, raw: Any) -> InputSpec:
    path = f"inputs.{key}"
    fields = mapping(doc, raw, path)
    _check_keys(doc, fields, path, INPUT_KEYS, original.IGNORED_INPUT)
    kind = _input_type(doc, fields.get("type"), f"{path}.type")
    options = _options(doc, fields.get("options"), f"{path}.options")
    default = fields.get("default")
    if isinstance(default, dict | list):
        doc.problem(f"{path}.default", "a default must be a single value")
        default = None
    if kind is InputType.CHOICE and not options:
        doc.problem(f"{path}.options", "a choice input needs `options` (a list of values)")
    spec = InputSpec(
        key=key,
        type=kind,
        label=text(doc, fields.get("label"), f"{path}.label"),
        required=flag(doc, fields.get("required"), f"{path}.required"),
        default=default,
        options=options,
        max_length=count(doc, fields.get("max_length"), f"{path}.max_length", None),
        placeholder=text(doc, fields.get("placeholder"), f"{path}.placeholder"),
        help=text(doc, fields.get("help") or fields.get("description"), f"{path}.help"),
    )
    return _checked_default(doc, spec, f"{path}.default")


def _checked_default(doc: YamlDoc, spec: InputSpec, path: str) -> InputSpec:
    """A default must be a value the input itself would accept (a number for a number, within max_length...)."""
    if spec.default is None or (spec.type is InputType.CHOICE and not spec.options):
        return spec
    if spec.type is InputType.CHOICE and str(spec.default) not in spec.options:
        doc.problem(path, f"default '{brief(spec.default)}' is not one of the options: {', '.join(spec.options)}")
        return spec
    try:
        coerce_input(spec, spec.default)
    except ValueError as exc:
        doc.problem(path, f"default '{brief(spec.default)}' does not fit this {spec.type.value} input: {exc}")
    return spec


def _input_type(doc: YamlDoc, raw: Any, path: str) -> InputType:
    if raw is None:
        return InputType.TEXT
    try:
        return InputType(original.INPUT_TYPE_ALIASES.get(str(raw), str(raw)))
    except ValueError:
        known = ", ".join(kind.value for kind in InputType)
        doc.problem(path, f"unknown input type '{brief(raw)}' (use one of: {known})")
        return InputType.TEXT


def _options(doc: YamlDoc, raw: Any, path: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        doc.problem(path, "options must be a list of values, or of {label, value} mappings")
        return ()
    values = []
    for i, item in enumerate(raw):
        value = item.get("value") if isinstance(item, dict) else item
        if value is None or isinstance(value, dict | list):
            doc.problem(f"{path}[{i}]", "each option must be a value, or a mapping with a `value`")
            continue
        values.append(str(value))
    return tuple(values)


def _steps(doc: YamlDoc, root: dict[str, Any], input_keys: frozenset[str]) -> tuple[StepSpec, ...]:
    if "steps" not in root:
        doc.problem("steps", "missing `steps`: a template needs at least one step with a `prompt_template`")
        return ()
    bodies = _named(doc, root, "steps")
    if not bodies and isinstance(root["steps"], dict | list | None):
        doc.problem("steps", "`steps` is empty: add at least one step with a `prompt_template`")
    keys = list(bodies)
    steps = tuple(
        _step(doc, key, _with_llm_template(doc, key, body, keys[i - 1] if i else None, input_keys))
        for i, (key, body) in enumerate(bodies.items())
    )

    _check_depends_on(doc, steps)
    return steps


def _check_depends_on(doc: YamlDoc, steps: tuple[StepSpec, ...]) -> None:
    """`depends_on` may only name earlier steps: steps run in file order, each after those before it."""
    keys = [spec.key for spec in steps]
    for index, spec in enumerate(steps):
        for i, dep in enumerate(spec.depends_on):
            path = f"steps.{spec.key}.depends_on"
            path = f"{path}[{i}]" if f"{path}[{i}]" in doc.lines else path
            if dep not in keys:
                doc.problem(path, f"depends on an unknown step '{dep}' (steps: {', '.join(keys)})")
            elif keys.index(dep) >= index:
                doc.problem(path, f"depends on '{dep}', which does not run before '{spec.key}'; steps run in order")


def _with_llm_template(doc: YamlDoc, key: str, raw: Any, previous: str | None, inputs: frozenset[str]) -> Any:
    """A step naming `llm_template` gets its prompt, system (and model, if it names none) from that template."""
    if not isinstance(raw, dict) or "llm_template" not in raw:
        return raw
    path = f"steps.{key}.llm_template"
    fields = {k: v for k, v in raw.items() if k != "llm_template"}
    if "prompt_template" in fields or "system" in fields:
        doc.problem(path, "a step takes its prompt from `llm_template` or from `prompt_template`/`system`, not both")
        return fields
    try:
        step = load_llm_step(word(doc, raw["llm_template"], path), previous, inputs)
    except ValueError as exc:
        doc.problem(path, str(exc))
        return fields | {"prompt_template": "-"}  # reported already: no second "missing prompt_template"
    chosen = (
        {"model_preference": [step.model]} if step.model and not ({"models", "model_preference"} & set(fields)) else {}
    )
    return fields | {"prompt_template": step.prompt, "system": step.system} | chosen


def _step(doc: YamlDoc, key: str, raw: Any) -> StepSpec:
    path = f"steps.{key}"
    fields = mapping(doc, raw, path)
    _check_keys(doc, fields, path, STEP_KEYS, original.IGNORED_STEP)
    if "prompt_template" not in fields:
        doc.problem(f"{path}.prompt_template", "missing `prompt_template`: the prompt this step sends to the model")
    elif not str(fields["prompt_template"] or "").strip():
        doc.problem(f"{path}.prompt_template", "`prompt_template` is empty: write the prompt this step sends")
    responses = count(doc, fields.get("response_count"), f"{path}.response_count", 1, MAX_RESPONSES)
    return StepSpec(
        key=key,
        name=text(doc, fields.get("name"), f"{path}.name") or key,
        prompt_template=text(doc, fields.get("prompt_template"), f"{path}.prompt_template"),
        description=text(doc, fields.get("description"), f"{path}.description"),
        type=word(doc, fields.get("type"), f"{path}.type") or "llm_generation",
        model_preference=word_list(doc, fields.get("model_preference"), f"{path}.model_preference"),
        models=word_list(doc, fields.get("models"), f"{path}.models"),
        response_count=responses or 1,
        system=text(doc, fields.get("system"), f"{path}.system"),
        depends_on=word_list(doc, fields.get("depends_on"), f"{path}.depends_on"),
        criteria=criteria_list(doc, fields.get("criteria"), f"{path}.criteria"),
    )


def _named(doc: YamlDoc, root: dict[str, Any], path: str) -> dict[str, Any]:
    """A mapping whose keys become names in prompts (`inputs.topic`, `steps.outline`); a list of named entries
    (the original's docs' form) is read as that mapping, in its order."""
    raw = root.get(path)
    if isinstance(raw, list):
        raw = root[path] = original.list_as_mapping(doc, raw, path)
    fields = mapping(doc, raw, path)
    for key in fields:
        if not _KEY.match(key):
            doc.problem(
                f"{path}.{key}", f"'{brief(key)}' is not a usable name: use letters, digits and _ (a letter first)"
            )
        elif key in _RESERVED:
            doc.problem(f"{path}.{key}", f"'{key}' is reserved in prompts ({path}.{key} is a built-in); rename it")
    return fields


def _check_keys(
    doc: YamlDoc, fields: dict[str, Any], path: str, known: tuple[str, ...], ignored: tuple[str, ...] = ()
) -> None:
    original.note_ignored(doc, fields, path, ignored)
    for key in fields:
        if key not in known and key not in ignored:
            where = f"{path}.{key}" if path else key
            doc.problem(where, f"unknown key '{key}' (expected one of: {', '.join(known)})")
