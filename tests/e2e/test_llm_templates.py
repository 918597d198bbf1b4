"""`llm_template: NAME` on a step: its prompt and system from llm's saved template, checked by validate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner
from tests.template_texts import draft_template

SUMMARIZE = """\
system: You summarize for $audience.
prompt: 'Summarize in $$5 words or {{ fewer }}: $input'
defaults:
  audience: busy people
model: echo
"""
PIPELINE = draft_template("with-llm-template", "  short:\n    name: Short\n    llm_template: %s\n")


def saved(name: str, text: str) -> None:
    """An llm template as `llm templates edit NAME` would save it, in this test's LLM_USER_PATH."""
    folder = Path(os.environ["LLM_USER_PATH"]) / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(text)


def test_a_step_runs_an_llm_template_with_input_as_the_previous_step(writeit: Runner, tmp_path: Path) -> None:
    saved("summarize", SUMMARIZE)
    (tmp_path / "t.yaml").write_text(PIPELINE % "summarize")
    checked = writeit("templates", "validate", "t.yaml")
    assert checked.returncode == 0, checked.stderr
    assert "short: Short ×1 [echo]" in writeit("templates", "show", "t.yaml").stdout, "the llm template's model"

    assert writeit("run", "t.yaml", "-i", "topic=Cats", "-m", "echo", "-q").returncode == 0
    pipeline_id = json.loads(writeit("pipelines", "list", "--json").stdout)[0]["id"]
    steps = json.loads(writeit("pipelines", "show", pipeline_id, "--json").stdout)["steps"]
    draft, short = steps[0]["candidates"][0], steps[1]["candidates"][0]
    assert short["prompt"] == "Summarize in $5 words or {{ fewer }}: " + draft["text"]
    assert short["system"] == "You summarize for busy people."


@pytest.mark.parametrize(
    ("name", "llm_yaml", "message"),
    [
        ("nope", None, "steps.short.llm_template: no llm template 'nope' (see `llm templates list`)"),
        ("../secrets", None, "steps.short.llm_template: '../secrets' is not the name of a saved llm template"),
        ("toolish", "prompt: $input\ntools: [llm_time]\n", "llm template 'toolish' uses tools, which a WriteIt"),
        ("unknown", "prompt: 'For $reader: $input'\n", "steps.short.prompt_template: inputs.reader: unknown input"),
        ("broken", "prompt: [unclosed\n", "llm template 'broken' cannot be read"),
    ],
)
def test_an_llm_template_that_cannot_serve_is_reported_at_its_line(
    writeit: Runner, tmp_path: Path, name: str, llm_yaml: str | None, message: str
) -> None:
    if llm_yaml is not None:
        saved(name, llm_yaml)
    (tmp_path / "t.yaml").write_text(PIPELINE % name)
    for args in (("templates", "validate", "t.yaml"), ("run", "t.yaml", "-i", "topic=x", "-m", "echo")):
        result = writeit(*args)
        assert result.returncode != 0
        assert message in result.stderr, result.stderr
        assert "t.yaml:" in result.stderr
        assert "Traceback" not in result.stderr
    assert writeit("pipelines", "list", "--json").stdout.strip() == "[]"


def test_a_step_cannot_take_both_an_llm_template_and_its_own_prompt(writeit: Runner, tmp_path: Path) -> None:
    saved("summarize", SUMMARIZE)
    (tmp_path / "t.yaml").write_text(PIPELINE % "summarize" + '    prompt_template: "mine"\n')
    result = writeit("templates", "validate", "t.yaml")
    assert result.returncode != 0
    assert "t.yaml:10: steps.short.llm_template: a step takes its prompt from `llm_template`" in result.stderr
