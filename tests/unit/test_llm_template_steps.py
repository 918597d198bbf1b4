"""llm's `$name` templates as our Jinja: variables become inputs or the previous step, the rest stays text."""

from __future__ import annotations

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from writeit.adapters.templates.llm_templates import _to_jinja

ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined)


def rendered(text: str, previous: str | None = "draft", defaults: dict[str, str] | None = None) -> str:
    source = _to_jinja(text, previous, frozenset({"topic"}), defaults or {})
    return ENV.from_string(source).render(inputs={"topic": "Cats", "input": "first"}, steps={"draft": "DRAFT"})


def test_input_is_the_previous_step_and_names_are_inputs() -> None:
    assert rendered("On ${topic}: $input") == "On Cats: DRAFT"
    assert rendered("On $topic: $input", previous=None) == "On Cats: first", "the first step: inputs.input"


def test_defaults_fill_names_that_are_not_inputs_and_inputs_win_over_them() -> None:
    assert rendered("$tone about $topic", defaults={"tone": "dry", "topic": "dogs"}) == "dry about Cats"


def test_jinja_looking_text_dollars_and_raw_blocks_are_left_as_written() -> None:
    text = "Costs $$5, {{ not_a_var }} {% if x %} {% endraw %} and a lone $ sign: $input"
    assert rendered(text) == "Costs $5, {{ not_a_var }} {% if x %} {% endraw %} and a lone $ sign: DRAFT"
