"""The headless CLI through every real layer: LMDB on disk, real llm models, a new process per command."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Runner

BROKEN = """\
metadata:
  name: broken
inputs:
  topic: {type: text, required: true}
steps:
  one:
    name: One
    prompt_template: "About {{ inputs.topic }}"
  two:
    name: Two
    prompt_template: "Using {{ steps.nope }}"
"""


def test_a_headless_run_streams_writes_markdown_and_is_stored(writeit: Runner, tmp_path: Path) -> None:
    run = writeit("run", "quick-article", "--input", "topic=Event sourcing", "--pick", "first", "--model", "markov")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    written = Path(tmp_path / run.stdout.strip().splitlines()[-1])
    article = written.read_text()
    assert article.startswith('---\ntitle: "Event sourcing"\n')
    assert 'models: ["markov"]' in article
    pipeline_id = next(line.split()[1] for line in run.stderr.splitlines() if line.startswith("pipeline "))

    shown = writeit("pipelines", "show", pipeline_id[:10], "--json")
    assert shown.returncode == 0, shown.stderr
    state = json.loads(shown.stdout)
    assert [s["status"] for s in state["steps"]] == ["selected", "selected", "selected"]
    final = next(c for c in state["steps"][-1]["candidates"] if c["id"] == state["steps"][-1]["selected"])
    assert final["text"].strip() in article
    assert state["completed"] is True


def test_the_streamed_text_appears_on_stdout(writeit: Runner) -> None:
    run = writeit("run", "quick-article", "-i", "topic=Streams", "--model", "echo")
    assert run.returncode == 0, run.stderr
    assert "Streams" in run.stdout, "echo repeats the prompt, which names the topic"


def test_an_invalid_template_is_refused_with_file_and_line_before_any_model_call(
    writeit: Runner, tmp_path: Path
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    for args in (("templates", "validate", str(path)), ("run", str(path), "-i", "topic=x", "--model", "markov")):
        result = writeit(*args)
        assert result.returncode != 0
        assert f"{path}:11: steps.two.prompt_template: steps.nope: unknown step 'nope'" in result.stderr
        assert "Traceback" not in result.stderr
    assert writeit("pipelines", "list", "--json").stdout.strip() == "[]", "nothing was stored"


def test_an_unknown_model_is_named_in_one_line_and_nothing_stored_changes(writeit: Runner) -> None:
    assert writeit("run", "quick-article", "-i", "topic=first", "--model", "echo").returncode == 0
    before = writeit("pipelines", "list", "--json").stdout
    result = writeit("run", "quick-article", "-i", "topic=x", "--model", "no-such-model")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: model 'no-such-model': unknown model (see `writeit models` or `llm models`)"
    ]
    assert writeit("pipelines", "list", "--json").stdout == before


def test_missing_inputs_are_refused_with_the_field_named(writeit: Runner) -> None:
    result = writeit("run", "quick-article", "--model", "echo")
    assert result.returncode == 1
    assert "topic" in result.stderr
    assert "required" in result.stderr
    bad = writeit("run", "quick-article", "--input", "novalue", "--model", "echo")
    assert bad.returncode == 2
    assert "expected key=value" in bad.stderr


def test_templates_list_shows_the_builtins(writeit: Runner) -> None:
    listed = json.loads(writeit("templates", "list", "--json").stdout)
    names = {t["name"]: t for t in listed}
    assert names["tech-article"]["steps"] == ["angles", "outline", "draft", "polish"]
    assert names["quick-article"]["steps"] == ["plan", "write", "polish"]


def test_exporting_an_unknown_pipeline_fails_cleanly(writeit: Runner) -> None:
    result = writeit("pipelines", "export", "deadbeef")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no pipeline 'deadbeef'"


def test_help_lists_the_commands(writeit: Runner) -> None:
    result = writeit("--help")
    assert result.returncode == 0
    for command in ("run", "templates", "pipelines", "models"):
        assert command in result.stdout


def test_a_headless_run_names_its_markdown_after_the_topic_as_the_tui_export_does(
    writeit: Runner, tmp_path: Path
) -> None:
    run = writeit("run", "quick-article", "-i", "topic=Event Sourcing 101", "--model", "echo", "--quiet")
    assert run.returncode == 0, run.stderr
    written = Path(run.stdout.strip().splitlines()[-1])
    assert written.name.startswith("event-sourcing-101-")
    assert written.suffix == ".md"
