"""The WriteIt template format: plain YAML values → PipelineTemplate value objects, every problem recorded."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from writeit.adapters.templates.llm_templates import load_llm_step
from writeit.adapters.templates.yamldoc import YamlDoc
from writeit.domain.template import InputSpec, InputType, PipelineTemplate, StepSpec, TemplateMetadata

TOP_KEYS = ("metadata", "defaults", "inputs", "steps")
METADATA_KEYS = ("name", "description", "version", "author", "tags")
INPUT_KEYS = ("type", "label", "required", "default", "options", "max_length", "placeholder", "help")
STEP_KEYS = (
    *("name", "description", "type", "prompt_template", "model_preference", "response_count", "models", "system"),
    "llm_template",
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
    inputs = tuple(_input(doc, key, body) for key, body in _named(doc, root.get("inputs"), "inputs").items())
    return PipelineTemplate(
        metadata=_metadata(doc, root.get("metadata"), default_name),
        defaults=MappingProxyType(_mapping(doc, root.get("defaults"), "defaults")),
        inputs=inputs,
        steps=_steps(doc, root, frozenset(spec.key for spec in inputs)),
        source=source,
        text=text,
    )


def _metadata(doc: YamlDoc, raw: Any, default_name: str) -> TemplateMetadata:
    fields = _mapping(doc, raw, "metadata")
    _check_keys(doc, fields, "metadata", METADATA_KEYS)
    return TemplateMetadata(
        name=_text(doc, fields.get("name"), "metadata.name") or default_name,
        description=_text(doc, fields.get("description"), "metadata.description"),
        version=_text(doc, fields.get("version"), "metadata.version") or "1.0.0",
        author=_text(doc, fields.get("author"), "metadata.author"),
        tags=_text_list(doc, fields.get("tags"), "metadata.tags"),
    )


def _input(doc: YamlDoc, key: str, raw: Any) -> InputSpec:
    path = f"inputs.{key}"
    fields = _mapping(doc, raw, path)
    _check_keys(doc, fields, path, INPUT_KEYS)
    kind = _input_type(doc, fields.get("type"), f"{path}.type")
    options = _options(doc, fields.get("options"), f"{path}.options")
    default = fields.get("default")
    if isinstance(default, dict | list):
        doc.problem(f"{path}.default", "a default must be a single value")
        default = None
    if kind is InputType.CHOICE and not options:
        doc.problem(f"{path}.options", "a choice input needs `options` (a list of values)")
    if kind is InputType.CHOICE and options and default is not None and str(default) not in options:
        doc.problem(f"{path}.default", f"default '{default}' is not one of the options: {', '.join(options)}")
    return InputSpec(
        key=key,
        type=kind,
        label=_text(doc, fields.get("label"), f"{path}.label"),
        required=_flag(doc, fields.get("required"), f"{path}.required"),
        default=default,
        options=options,
        max_length=_count(doc, fields.get("max_length"), f"{path}.max_length", None),
        placeholder=_text(doc, fields.get("placeholder"), f"{path}.placeholder"),
        help=_text(doc, fields.get("help"), f"{path}.help"),
    )


def _input_type(doc: YamlDoc, raw: Any, path: str) -> InputType:
    if raw is None:
        return InputType.TEXT
    try:
        return InputType(str(raw))
    except ValueError:
        known = ", ".join(kind.value for kind in InputType)
        doc.problem(path, f"unknown input type '{raw}' (use one of: {known})")
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
    bodies = _named(doc, root["steps"], "steps")
    if not bodies and isinstance(root["steps"], dict | None):
        doc.problem("steps", "`steps` is empty: add at least one step with a `prompt_template`")
    keys = list(bodies)
    return tuple(
        _step(doc, key, _with_llm_template(doc, key, body, keys[i - 1] if i else None, input_keys))
        for i, (key, body) in enumerate(bodies.items())
    )


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
        step = load_llm_step(_word(doc, raw["llm_template"], path), previous, inputs)
    except ValueError as exc:
        doc.problem(path, str(exc))
        return fields | {"prompt_template": "-"}  # reported already: no second "missing prompt_template"
    chosen = (
        {"model_preference": [step.model]} if step.model and not ({"models", "model_preference"} & set(fields)) else {}
    )
    return fields | {"prompt_template": step.prompt, "system": step.system} | chosen


def _step(doc: YamlDoc, key: str, raw: Any) -> StepSpec:
    path = f"steps.{key}"
    fields = _mapping(doc, raw, path)
    _check_keys(doc, fields, path, STEP_KEYS)
    if "prompt_template" not in fields:
        doc.problem(f"{path}.prompt_template", "missing `prompt_template`: the prompt this step sends to the model")
    elif not str(fields["prompt_template"] or "").strip():
        doc.problem(f"{path}.prompt_template", "`prompt_template` is empty: write the prompt this step sends")
    responses = _count(doc, fields.get("response_count"), f"{path}.response_count", 1, MAX_RESPONSES)
    return StepSpec(
        key=key,
        name=_text(doc, fields.get("name"), f"{path}.name") or key,
        prompt_template=_text(doc, fields.get("prompt_template"), f"{path}.prompt_template"),
        description=_text(doc, fields.get("description"), f"{path}.description"),
        type=_word(doc, fields.get("type"), f"{path}.type") or "llm_generation",
        model_preference=_word_list(doc, fields.get("model_preference"), f"{path}.model_preference"),
        models=_word_list(doc, fields.get("models"), f"{path}.models"),
        response_count=responses or 1,
        system=_text(doc, fields.get("system"), f"{path}.system"),
    )


def _named(doc: YamlDoc, raw: Any, path: str) -> dict[str, Any]:
    """A mapping whose keys become names in prompts (`inputs.topic`, `steps.outline`)."""
    fields = _mapping(doc, raw, path)
    for key in fields:
        if not _KEY.match(key):
            doc.problem(f"{path}.{key}", f"'{key}' is not a usable name: use letters, digits and _ (a letter first)")
        elif key in _RESERVED:
            doc.problem(f"{path}.{key}", f"'{key}' is reserved in prompts ({path}.{key} is a built-in); rename it")
    return fields


def _check_keys(doc: YamlDoc, fields: dict[str, Any], path: str, known: tuple[str, ...]) -> None:
    for key in fields:
        if key not in known:
            where = f"{path}.{key}" if path else key
            doc.problem(where, f"unknown key '{key}' (expected one of: {', '.join(known)})")


def _mapping(doc: YamlDoc, raw: Any, path: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        doc.problem(path, f"`{path}` must be a mapping (key: value lines)")
        return {}
    return raw


def _text(doc: YamlDoc, raw: Any, path: str) -> str:
    if raw is None:
        return ""
    if isinstance(raw, dict | list):
        doc.problem(path, "must be text, not a list or mapping")
        return ""
    return str(raw)


def _text_list(doc: YamlDoc, raw: Any, path: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    return tuple(_text(doc, item, f"{path}[{i}]" if isinstance(raw, list) else path) for i, item in enumerate(items))


def _word(doc: YamlDoc, raw: Any, path: str) -> str:
    """Text that must have been written as text: a model id or a step type, never a number or a list."""
    if raw is None:
        return ""
    if not isinstance(raw, str) or not raw.strip():
        doc.problem(path, f"must be a non-empty text value (a name or model id), not {raw!r}")
        return ""
    return raw


def _word_list(doc: YamlDoc, raw: Any, path: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    return tuple(_word(doc, item, f"{path}[{i}]" if isinstance(raw, list) else path) for i, item in enumerate(items))


def _flag(doc: YamlDoc, raw: Any, path: str) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    doc.problem(path, f"must be true or false, not '{raw}'")
    return False


def _count(doc: YamlDoc, raw: Any, path: str, default: int | None, limit: int | None = None) -> int | None:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1 or (limit is not None and raw > limit):
        bound = f"from 1 to {limit}" if limit else "of at least 1"
        doc.problem(path, f"must be a whole number {bound}, not '{raw}'")
        return default
    return raw
