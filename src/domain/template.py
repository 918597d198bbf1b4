"""PipelineTemplate: the parsed, validated template as value objects, and validation of inputs against it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from writeit.domain.errors import InputInvalidError, Problem, UnknownStepError

# The style primer fields prompts can use as `style.<field>`; a primer's other sections are kept but unused.
STYLE_FIELDS = ("name", "description", "voice", "tone", "structure", "vocabulary", "examples", "anti_patterns")


class InputType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    CHOICE = "choice"
    NUMBER = "number"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True, kw_only=True)
class InputSpec:
    key: str
    type: InputType = InputType.TEXT
    label: str = ""
    required: bool = False
    default: Any = None
    options: tuple[str, ...] = ()
    max_length: int | None = None
    placeholder: str = ""
    help: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepSpec:
    key: str
    name: str
    prompt_template: str
    description: str = ""
    type: str = "llm_generation"
    model_preference: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    response_count: int = 1
    system: str = ""
    depends_on: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()  # what a judge scores this step's candidates on (none: the judge's defaults)


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateMetadata:
    name: str
    description: str = ""
    version: str = "1.0.0"
    author: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineTemplate:
    """A validated template. `source` is where it came from; `text` is the YAML it was parsed from."""

    metadata: TemplateMetadata
    steps: tuple[StepSpec, ...]
    inputs: tuple[InputSpec, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""
    text: str = ""
    # What the file holds that WriteIt keeps but does not use (the original format's `ui`, `validation`...).
    notes: tuple[Problem, ...] = ()

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def step_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.steps)

    def step(self, key: str) -> StepSpec:
        for spec in self.steps:
            if spec.key == key:
                return spec
        raise UnknownStepError(key, self.step_keys)

    def validate_inputs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return the inputs coerced to their types with defaults filled in, or raise InputInvalidError."""
        problems: list[Problem] = []
        known = {spec.key for spec in self.inputs}
        for key in values:
            if key not in known:
                expected = ", ".join(sorted(known)) or "none"
                problems.append(Problem(f"unknown input (this template takes: {expected})", field=key))
        result: dict[str, Any] = {}
        for spec in self.inputs:
            raw = values.get(spec.key)
            if raw is None or raw == "":
                if spec.required and spec.default in (None, ""):
                    problems.append(Problem(f"'{spec.label or spec.key}' is required", field=spec.key))
                    continue
                raw = spec.default
            try:
                result[spec.key] = coerce_input(spec, raw)
            except ValueError as exc:
                problems.append(Problem(str(exc), field=spec.key))
        if problems:
            raise InputInvalidError(problems)
        return result


def brief(value: Any, limit: int = 40) -> str:
    """A value as a message shows it: at most `limit` characters, so an error never echoes a huge input whole."""
    text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def coerce_input(spec: InputSpec, raw: Any) -> Any:
    """Coerce one raw value (often a string from a form or the command line) to the input's type."""
    if raw is None:
        return None
    if spec.type is InputType.BOOLEAN:
        return _coerce_bool(raw)
    if spec.type is InputType.NUMBER:
        return _coerce_number(raw)
    if not isinstance(raw, str | int | float):
        raise ValueError(f"expected text, got {type(raw).__name__}")
    text = str(raw)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains characters that are not valid Unicode text (a lone surrogate)") from None
    if spec.type is InputType.CHOICE and spec.options and text not in spec.options:
        raise ValueError(f"'{brief(text)}' is not one of: {', '.join(spec.options)}")
    if spec.max_length is not None and len(text) > spec.max_length:
        raise ValueError(f"is {len(text)} characters long; the limit is {spec.max_length}")
    return text


def _coerce_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{brief(raw)}' is not a yes/no value (use true or false)")


def _coerce_number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise ValueError("expected a number, got a yes/no value")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return _finite(raw)
    text = str(raw).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return _finite(float(text))
    except ValueError:
        raise ValueError(f"'{brief(raw)}' is not a number") from None


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"'{value}' is not a finite number")
    return value
