"""Parsing and validating templates: the original WriteIt format loads, and every problem is located."""

from __future__ import annotations

import textwrap

import pytest

from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.domain.errors import Problem, TemplateInvalidError
from writeit.domain.template import InputType

ORIGINAL = """\
metadata:
  name: "Tech Article"
  description: "Technical article pipeline"
  version: "1.0.0"
  author: "WriteIt"
  tags: ["tech", "article"]
defaults:
  model: "gpt-4o-mini"
  models: ["gpt-4o-mini"]
inputs:
  topic:
    type: text
    label: "Topic"
    required: true
    max_length: 200
  style:
    type: choice
    label: "Style"
    options:
      - {label: "Formal", value: "formal"}
      - {label: "Casual", value: "casual"}
    default: "formal"
steps:
  angles:
    name: "Generate Angles"
    description: "Brainstorm angles"
    type: llm_generation
    prompt_template: |
      Generate angles for {{ inputs.topic }} in a {{ inputs.style }} style.
    model_preference: ["{{ defaults.model }}"]
    response_count: 3
  outline:
    name: "Outline"
    type: llm_generation
    prompt_template: "Outline using {{ steps.angles.selected_response }}"
    model_preference: "{{ defaults.model }}"
"""


@pytest.fixture
def catalog() -> FileTemplateCatalog:
    return FileTemplateCatalog([])


def problems_of(catalog: FileTemplateCatalog, text: str) -> list[Problem]:
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.parse(textwrap.dedent(text), "t.yaml")
    assert all(p.file == "t.yaml" for p in caught.value.problems)
    return list(caught.value.problems)


def only_problem(catalog: FileTemplateCatalog, text: str) -> Problem:
    problems = problems_of(catalog, text)
    assert len(problems) == 1, problems
    return problems[0]


def steps_yaml(prompt: str, *, extra_steps: str = "") -> str:
    """A template with inputs topic/audience, a default `tone`, a step `first`, then `second` using `prompt`."""
    return f"""\
defaults:
  tone: warm
inputs:
  topic: {{type: text, required: true}}
  audience: {{type: text}}
steps:
  first:
    prompt_template: "About {{{{ inputs.topic }}}}"
  second:
    prompt_template: "{prompt}"
{extra_steps}"""


def test_the_original_writeit_format_loads_unchanged(catalog: FileTemplateCatalog) -> None:
    template = catalog.parse(ORIGINAL, "/somewhere/tech.yaml")
    assert template.name == "Tech Article"
    assert template.metadata.tags == ("tech", "article")
    assert template.step_keys == ("angles", "outline")
    style = template.inputs[1]
    assert style.type is InputType.CHOICE
    assert style.options == ("formal", "casual")
    assert style.default == "formal"
    assert template.inputs[0].required
    assert template.inputs[0].max_length == 200
    assert template.step("angles").response_count == 3
    assert template.step("angles").model_preference == ("{{ defaults.model }}",)
    assert template.step("outline").model_preference == ("{{ defaults.model }}",)
    assert template.defaults["models"] == ["gpt-4o-mini"]
    assert template.source == "/somewhere/tech.yaml"
    assert template.text == ORIGINAL


def test_the_built_in_templates_load_and_validate(catalog: FileTemplateCatalog) -> None:
    tech = catalog.get("tech-article")
    assert tech.step_keys == ("angles", "outline", "draft", "polish")
    assert [s.response_count for s in tech.steps] == [2, 2, 1, 1]
    assert [i.key for i in tech.inputs] == ["topic", "audience", "source_material", "style", "word_count"]
    assert tech.source == "builtin:tech-article"
    quick = catalog.get("quick-article")
    assert quick.step_keys == ("plan", "write", "polish")
    assert {i.key for i in quick.inputs} == {"topic", "audience", "style"}


def test_the_built_in_templates_name_no_model(catalog: FileTemplateCatalog) -> None:
    for name in ("tech-article", "quick-article"):
        template = catalog.get(name)
        assert all(not s.models and not s.model_preference for s in template.steps)
        assert "model" not in template.defaults
        assert "models" not in template.defaults


def test_metadata_name_defaults_to_the_file_stem(catalog: FileTemplateCatalog) -> None:
    template = catalog.parse("steps:\n  only:\n    prompt_template: hi\n", "/x/my-notes.yaml")
    assert template.name == "my-notes"
    assert template.step("only").name == "only"


def test_a_step_referencing_an_unknown_step_is_refused_with_its_line(catalog: FileTemplateCatalog) -> None:
    problem = only_problem(catalog, steps_yaml("Use {{ steps.nope }}"))
    assert problem.field == "steps.second.prompt_template"
    assert problem.line == 10
    assert "steps.nope: unknown step 'nope'" in problem.message


def test_a_step_referencing_a_later_step_is_refused(catalog: FileTemplateCatalog) -> None:
    later = "  third:\n    prompt_template: later\n"
    problem = only_problem(catalog, steps_yaml("Use {{ steps.third.selected_response }}", extra_steps=later))
    assert "steps.third" in problem.message
    assert "runs after" in problem.message


def test_a_step_cannot_use_its_own_output(catalog: FileTemplateCatalog) -> None:
    problem = only_problem(catalog, steps_yaml("Again {{ steps.second }}"))
    assert "cannot use its own output" in problem.message


def test_a_step_may_use_its_own_feedback_and_earlier_steps_fields(catalog: FileTemplateCatalog) -> None:
    prompt = "{{ steps.second.feedback }} {{ steps.first.candidates | join }} {{ steps.first.upper() }}"
    assert catalog.parse(steps_yaml(prompt), "t.yaml").step_keys == ("first", "second")


def test_an_unknown_field_of_a_step_is_refused(catalog: FileTemplateCatalog) -> None:
    problem = only_problem(catalog, steps_yaml("{{ steps.first.feedbak }}"))
    assert "unknown field 'feedbak'" in problem.message


def test_an_undeclared_input_is_refused_with_the_line_inside_a_block_prompt(catalog: FileTemplateCatalog) -> None:
    text = """\
    inputs:
      topic: {type: text}
    steps:
      write:
        prompt_template: |
          Topic: {{ inputs.topic }}
          Tone: {{ inputs.tone }}
    """
    problem = only_problem(catalog, text)
    assert (problem.field, problem.line) == ("steps.write.prompt_template", 7)
    assert "inputs.tone: unknown input 'tone'" in problem.message


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("{{ defaults.model }}", "defaults.model: unknown default 'model'"),
        ("{{ style.mood }}", "style.mood: unknown style field 'mood'"),
        ("{{ inputs[inputs.topic] }}", "a computed name cannot be checked"),
        ("{{ inputs.topic | shout }}", "unknown filter 'shout'"),
        ("{% include 'other.txt' %}", "not supported"),
    ],
)
def test_names_a_prompt_cannot_use_are_refused(catalog: FileTemplateCatalog, prompt: str, expected: str) -> None:
    problem = only_problem(catalog, steps_yaml(prompt))
    assert expected in problem.message
    assert problem.field == "steps.second.prompt_template"


def test_defaults_style_fields_loop_and_set_variables_are_allowed(catalog: FileTemplateCatalog) -> None:
    prompt = (
        "{{ defaults.tone }} {{ style.voice }} {% set n = 3 %}{% for i in range(n) %}{{ loop.index }}{{ i }}"
        "{% endfor %}{{ inputs.audience }}"
    )
    assert catalog.parse(steps_yaml(prompt), "t.yaml")


def test_a_sandbox_escape_is_refused_at_validation(catalog: FileTemplateCatalog) -> None:
    problems = problems_of(catalog, steps_yaml("{{ ''.__class__.__mro__ }}"))
    assert any("'__class__' is not allowed" in p.message for p in problems)
    assert all(p.field == "steps.second.prompt_template" for p in problems)


def test_a_model_preference_expression_is_checked_too(catalog: FileTemplateCatalog) -> None:
    text = "steps:\n  a:\n    prompt_template: hi\n    model_preference: ['gpt-4o', '{{ defaults.model }}']\n"
    problem = only_problem(catalog, text)
    assert (problem.field, problem.line) == ("steps.a.model_preference[1]", 4)


def test_a_jinja_syntax_error_is_refused_with_its_line(catalog: FileTemplateCatalog) -> None:
    text = "steps:\n  a:\n    prompt_template: |\n      fine\n      {% if %}\n"
    problem = only_problem(catalog, text)
    assert (problem.field, problem.line) == ("steps.a.prompt_template", 5)
    assert "syntax error" in problem.message


def test_a_yaml_syntax_error_reports_its_line(catalog: FileTemplateCatalog) -> None:
    problem = only_problem(catalog, "steps:\n  a:\n    prompt_template: 'unclosed\n  b: [\n")
    assert problem.line is not None
    assert problem.line >= 3
    assert problem.message.startswith("YAML syntax error")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""])
def test_a_top_level_that_is_not_a_mapping_is_refused(catalog: FileTemplateCatalog, text: str) -> None:
    assert only_problem(catalog, text).message


def test_unknown_keys_are_refused_at_every_level(catalog: FileTemplateCatalog) -> None:
    text = """\
    stepz: {}
    inputs:
      topic: {type: text, lable: Topic}
    steps:
      a: {prompt_template: hi, respons_count: 2}
    """
    problems = problems_of(catalog, text)
    assert [(p.field, p.line) for p in problems] == [
        ("stepz", 1),
        ("inputs.topic.lable", 3),
        ("steps.a.respons_count", 5),
    ]


def test_missing_steps_and_prompt_templates_are_refused(catalog: FileTemplateCatalog) -> None:
    assert only_problem(catalog, "metadata: {name: x}\n").field == "steps"
    problem = only_problem(catalog, "steps:\n  a:\n    name: A\n")
    assert (problem.field, problem.line) == ("steps.a.prompt_template", 2)


def test_unknown_input_types_and_choices_without_options_are_refused(catalog: FileTemplateCatalog) -> None:
    text = """\
    inputs:
      colour: {type: color}
      pick: {type: choice}
      size: {type: choice, options: [s, m], default: xl}
    steps:
      a: {prompt_template: hi}
    """
    problems = problems_of(catalog, text)
    assert [(p.field, p.line) for p in problems] == [
        ("inputs.colour.type", 2),
        ("inputs.pick.options", 3),
        ("inputs.size.default", 4),
    ]
    assert "unknown input type 'color'" in problems[0].message


@pytest.mark.parametrize("count", ["0", "11", "two", "2.5", "true"])
def test_an_invalid_response_count_is_refused(catalog: FileTemplateCatalog, count: str) -> None:
    problem = only_problem(catalog, f"steps:\n  a:\n    prompt_template: hi\n    response_count: {count}\n")
    assert (problem.field, problem.line) == ("steps.a.response_count", 4)


def test_every_problem_is_reported_not_just_the_first(catalog: FileTemplateCatalog) -> None:
    text = """\
    inputs:
      x: {type: nope}
    steps:
      a: {prompt_template: "{{ steps.zz }}", response_count: 99}
      b: {name: no prompt}
    """
    assert len(problems_of(catalog, text)) == 4


def test_a_duplicate_key_is_refused_with_its_line(catalog: FileTemplateCatalog) -> None:
    problem = only_problem(catalog, "steps:\n  a: {prompt_template: one}\n  a: {prompt_template: two}\n")
    assert (problem.field, problem.line) == ("steps.a", 3)
    assert "duplicate key 'a' (first defined on line 2)" in problem.message


def test_a_yaml_alias_bomb_is_refused(catalog: FileTemplateCatalog) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    bomb += "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nsteps:\n  s: {prompt_template: hi}\n"
    problem = only_problem(catalog, bomb)
    assert "aliases" in problem.message
    assert problem.line == 2


def test_absurdly_deep_nesting_is_refused(catalog: FileTemplateCatalog) -> None:
    assert "nested" in only_problem(catalog, "defaults: " + "[" * 5000 + "]" * 5000).message


def test_python_object_tags_are_refused(catalog: FileTemplateCatalog) -> None:
    text = "defaults:\n  x: !!python/object/apply:os.system ['true']\nsteps:\n  a: {prompt_template: hi}\n"
    problem = only_problem(catalog, text)
    assert problem.line == 2


def test_oversized_and_binary_text_is_refused(catalog: FileTemplateCatalog) -> None:
    assert "larger than" in only_problem(catalog, "# " + "x" * 1_000_001).message
    assert "binary" in only_problem(catalog, "steps:\x00\n").message


@pytest.mark.parametrize("key", ["my-step", "items", "_private"])
def test_keys_that_cannot_be_used_in_prompts_are_refused(catalog: FileTemplateCatalog, key: str) -> None:
    problem = only_problem(catalog, f"steps:\n  ok: {{prompt_template: hi}}\n  {key}: {{prompt_template: hi}}\n")
    assert (problem.field, problem.line) == (f"steps.{key}", 3)
