"""A template that validates renders: unsafe access, step aliases and unbounded work are refused, located."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.domain.errors import Problem, TemplateInvalidError


@pytest.fixture
def catalog() -> FileTemplateCatalog:
    return FileTemplateCatalog([])


def with_prompt(prompt: str) -> str:
    """A two-step template whose first prompt, starting on line 6, is `prompt`."""
    body = textwrap.indent(prompt, "      ")
    return (
        "inputs:\n  topic: {type: text}\nsteps:\n  one:\n    prompt_template: |\n"
        f"{body}\n  two:\n    prompt_template: 'After {{{{ steps.one }}}}'\n"
    )


def refused(catalog: FileTemplateCatalog, text: str) -> Problem:
    started = time.monotonic()
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.parse(text, "t.yaml")
    assert time.monotonic() - started < 10, "validation ends promptly"
    return caught.value.problems[0]


@pytest.mark.parametrize(
    "prompt",
    [
        "{{ ''[('_'*2)~'class'~('_'*2)] }}",
        "{{ '{0.__class__}'.format(inputs.topic) }}",
        "{{ '{x}'.format_map(inputs) }}",
        "{{ dict.mro() }}",
        "{{ dict(a=1).update(b=2) }}",
        "{{ inputs.topic.split().append(1) }}",
        "{{ [1, 2].pop() }}",
        "{{ inputs|map(attribute='_'~'_class__')|list }}",
    ],
)
def test_unsafe_access_is_refused_by_validate_not_at_render(catalog: FileTemplateCatalog, prompt: str) -> None:
    problem = refused(catalog, with_prompt(f"line one\n{prompt}"))
    assert (problem.field, problem.line) == ("steps.one.prompt_template", 7)


@pytest.mark.parametrize(
    "prompt",
    [
        "{% set s = steps %}{{ s.two }}",
        "{{ (steps|dictsort)[1][1] }}",
        "{{ steps|list }}",
        "{% for s in steps %}{{ s }}{% endfor %}",
        "{{ steps[inputs.topic] }}",
        "{{ namespace(s=steps).s.two }}",
    ],
)
def test_steps_can_only_be_used_by_an_earlier_steps_name(catalog: FileTemplateCatalog, prompt: str) -> None:
    problem = refused(catalog, with_prompt(prompt))
    assert "steps" in problem.message
    assert problem.line == 6


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("{{ 9**(9**9) }}", "bits"),
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "loop iterations"),
        ("{{ 'ab' * 2**40 }}", "longer than"),
        ("{{ '%999999999d'|format(1) }}", "format width"),
        ("{{ '%*d' % (10**9, 1) }}", "format width"),
        ("{{ 'x'|indent(10**12) }}", "limit"),
        ("{{ 'x'.center(10**10) }}", "limit"),
        ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested too deeply"),
        ("{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(0)[:1] }}", "nested too deeply"),
        ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nested more than"),
        ("{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "longer"),
        ("{% for i in range(99999) %}{{ 'x' * 99999 }}{% endfor %}", "produced more than"),
        ("{% for i in range(10**9) %}{% endfor %}", "Range too big"),
        ("{{ '%(a)999999999s' % {'a': 1} }}", "format width"),
        ("{{ [[1] * 100000] * 100000 }}", "written out"),
        ("{{ [[1] * 100000] * 100000 ~ '' }}", "written out"),
        ("{{ (['x' * 100000] * 100000)|join }}", "written out"),
        ("{{ ', '.join(['x' * 100000] * 100000) }}", "written out"),
    ],
)
def test_unbounded_work_ends_in_a_located_error_at_validate(
    catalog: FileTemplateCatalog, prompt: str, expected: str
) -> None:
    problem = refused(catalog, with_prompt(f"first line\n{prompt}"))
    assert expected in problem.message
    assert problem.file == "t.yaml"
    assert (problem.field, problem.line) == ("steps.one.prompt_template", 7)


def test_a_prompt_that_renders_empty_is_refused_before_it_is_sent(catalog: FileTemplateCatalog) -> None:
    template = catalog.parse(with_prompt("{{ inputs.topic }}  "), "t.yaml")
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.render(template, "one", {}, {})
    assert "renders as empty" in str(caught.value)
    assert caught.value.problems[0].line == 6


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("{type: number, default: abc}", "not a number"),
        ("{type: boolean, default: maybe}", "yes/no"),
        ("{type: text, max_length: 3, default: abcdef}", "limit is 3"),
        ("{type: choice, options: [a, b], default: z}", "not one of"),
        ("{type: text, default: !!binary aGVsbG8=}", "!!binary"),
    ],
)
def test_a_default_the_input_would_refuse_is_refused(catalog: FileTemplateCatalog, spec: str, expected: str) -> None:
    problem = refused(catalog, f"inputs:\n  x: {spec}\nsteps:\n  one:\n    prompt_template: hi\n")
    assert expected in problem.message
    assert (problem.field, problem.line) == ("inputs.x.default", 2)


def test_a_null_in_models_is_a_located_error(catalog: FileTemplateCatalog) -> None:
    problem = refused(catalog, "steps:\n  one:\n    prompt_template: hi\n    models:\n      - echo\n      -\n")
    assert (problem.field, problem.line) == ("steps.one.models[1]", 6)
    assert "null" in problem.message


def test_a_control_character_is_reported_on_its_line(catalog: FileTemplateCatalog) -> None:
    problem = refused(catalog, "steps:\n  one:\n    prompt_template: hi\x07\n")
    assert problem.line == 3
    assert "0x07" in problem.message


@pytest.mark.parametrize(
    "style",
    ['">-\n      one\n      two\n\n      {{ inputs.nope }}"', '"\\"one\n      two\n\n      {{ inputs.nope }}\\""'],
)
def test_a_problem_inside_a_folded_or_quoted_scalar_names_its_own_line(
    catalog: FileTemplateCatalog, style: str
) -> None:
    value = style[1:-1].replace('\\"', '"')
    problem = refused(catalog, f"steps:\n  one:\n    prompt_template: {value}\n")
    assert problem.line == 7 if value.startswith(">") else problem.line == 6


def test_deep_yaml_nesting_names_its_line(catalog: FileTemplateCatalog) -> None:
    problem = refused(catalog, "steps:\n  one:\n    prompt_template: hi\nx: " + "[" * 200 + "]" * 200 + "\n")
    assert problem.line == 4
    assert "nested" in problem.message


def test_one_slow_filter_call_is_stopped_by_the_time_limit(catalog: FileTemplateCatalog) -> None:
    problem = refused(catalog, with_prompt("{{ ('x' * 999999)|wordwrap(1) }}"))
    assert "longer than 2 s" in problem.message
    assert problem.field == "steps.one.prompt_template"


def test_blocks_nested_on_one_line_are_refused_with_their_line(catalog: FileTemplateCatalog) -> None:
    problem = refused(catalog, with_prompt("ok\n" + "{% if 1 %}" * 3000 + "x" + "{% endif %}" * 3000))
    assert "nested more than" in problem.message
    assert problem.line == 7


def test_a_value_that_breaks_a_prompt_is_refused_at_start_with_the_prompt_line(catalog: FileTemplateCatalog) -> None:
    template = catalog.parse(with_prompt("a\n{{ 'x' * (inputs.topic|int) }}"), "t.yaml")
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.render(template, "one", {"topic": "99999999999"}, {})
    assert (caught.value.problems[0].line, caught.value.problems[0].file) == (7, "t.yaml")


def test_an_input_named_like_a_refused_method_still_renders(catalog: FileTemplateCatalog) -> None:
    text = (
        "inputs:\n  format: {type: text, default: memo}\n"
        "steps:\n  one:\n    prompt_template: 'As a {{ inputs.format }}'\n"
    )
    template = catalog.parse(text, "t.yaml")
    assert catalog.render(template, "one", {}, {}).prompt == "As a memo"


def writeit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, in `cwd`, with this test's environment (its isolated home)."""
    command = [sys.executable, "-m", "writeit", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=dict(os.environ), cwd=cwd
    )


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [("{{ inputs.topic }}", "renders as empty"), ("{{ 'x' * (inputs.topic|int) }}", "longer than")],
)
def test_a_run_whose_prompt_cannot_be_sent_is_refused_and_stores_nothing(
    tmp_path: Path, prompt: str, expected: str
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(with_prompt(prompt))
    topic = "   " if "empty" in expected else "99999999999"
    run = writeit(tmp_path, "run", str(path), "-i", f"topic={topic}", "--model", "echo")
    assert run.returncode != 0
    assert expected in run.stderr
    assert f"{path}:6" in run.stderr
    listed = writeit(tmp_path, "pipelines", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_a_huge_value_is_never_echoed_whole_in_an_error(catalog: FileTemplateCatalog) -> None:
    digits = "9" * 5000
    problem = refused(
        catalog, f"inputs:\n  x: {{type: number, default: '{digits}x'}}\nsteps:\n  one:\n    prompt_template: hi\n"
    )
    assert len(problem.message) < 300
    assert "5,001 characters" in problem.message
    template = catalog.parse(with_prompt("{{ 'x' * (inputs.topic|int) }}"), "t.yaml")
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.render(template, "one", {"topic": "9" * 4000}, {})
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("reference", ["inputs.topic.nope", "inputs.topic['nope']", "steps.one.selected_response.x"])
def test_an_attribute_a_text_value_lacks_is_refused_by_validate(catalog: FileTemplateCatalog, reference: str) -> None:
    text = with_prompt("a").replace("'After {{ steps.one }}'", f'"{{{{ {reference} }}}}"')
    problem = refused(catalog, text)
    assert "has no" in problem.message
    assert problem.field == "steps.two.prompt_template"
