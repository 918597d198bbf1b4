"""The original WriteIt's files load, validate and run unchanged; its extra constructs are honoured or noted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.application.ports import StepContext
from writeit.domain.errors import TemplateInvalidError
from writeit.domain.template import PipelineTemplate

ORIGINAL = Path(__file__).resolve().parents[3] / "shared" / "original-writeit"
if not ORIGINAL.is_dir():
    ORIGINAL = Path("/work/shared/original-writeit")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "original_format"
TEMPLATES = sorted((ORIGINAL / "templates").glob("*.yaml")) + sorted(FIXTURES.glob("*-form.yaml"))
OUR_STYLES = ("technical", "conversational", "formal")


def writeit(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `writeit ARGS` in the test's own home (where a run writes its article), never in the repository."""
    home = os.environ["WRITEIT_HOME"]
    run = [sys.executable, "-m", "writeit", *args]
    env = dict(os.environ)
    return subprocess.run(run, capture_output=True, text=True, timeout=120, check=False, env=env, cwd=home)


@pytest.fixture
def catalog(tmp_path: Path) -> FileTemplateCatalog:
    shutil.copy(FIXTURES / "style-primer.yaml", tmp_path / "plain-guide.yaml")
    return FileTemplateCatalog([], styles_dirs=[ORIGINAL / "styles", tmp_path])


def test_the_original_files_are_there_to_test() -> None:
    assert len(list((ORIGINAL / "templates").glob("*.yaml"))) >= 2
    assert len(list((ORIGINAL / "styles").glob("*.yaml"))) >= 3


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_original_format_template_validates_with_its_unused_keys_as_notes(
    catalog: FileTemplateCatalog, path: Path
) -> None:
    template = catalog.get(str(path))
    assert template.steps
    noted = {note.field.rsplit(".", 1)[-1] for note in template.notes}
    if "validation:" in path.read_text():
        assert "validation" in noted
    assert all(note.line for note in template.notes), "every note names its line"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_original_format_template_runs_on_the_echo_model(path: Path, tmp_path: Path) -> None:
    run = writeit("run", str(path), "-i", "topic=Streams", "-i", "source_material=Notes on streams", "--model", "echo")
    if "unknown input" in run.stderr:  # each template takes only its own inputs
        run = writeit("run", str(path), "-i", "topic=Streams", "--model", "echo")
    if "unknown input" in run.stderr:
        run = writeit("run", str(path), "-i", "source_material=Notes on streams", "--model", "echo")
    assert run.returncode == 0, run.stderr
    assert "Streams" in run.stdout or "Notes on streams" in run.stdout


def test_the_original_style_primers_load_with_nested_sections_as_text(catalog: FileTemplateCatalog) -> None:
    for name in [*(path.stem for path in sorted((ORIGINAL / "styles").glob("*.yaml"))), "plain-guide"]:
        primer = catalog.get_style(name)
        assert all(primer[key] for key in ("voice", "tone", "structure", "anti_patterns")), name
    guide = catalog.get_style("plain-guide")
    assert guide["name"] == "Plain Guide"
    assert guide["description"] == "Clear, friendly guidance"
    assert guide["tone"] == "Friendly, never condescending", "the original nests tone under voice"
    assert "- Explains before it prescribes" in guide["voice"]
    assert "pattern: Problem → Promise" in guide["structure"]
    assert guide["humor"] == "level: light", "a section WriteIt does not use is kept"


@pytest.mark.parametrize("style", [*OUR_STYLES, "business-executive", "conversational-blog", "technical-expert"])
def test_styles_of_either_format_render_with_every_template(catalog: FileTemplateCatalog, style: str) -> None:
    names = ["builtin-tech", "builtin-quick", *TEMPLATES]
    for name in names:
        reference = {"builtin-tech": "tech-article", "builtin-quick": "quick-article"}.get(str(name), str(name))
        template = catalog.get(reference)
        inputs = {spec.key: "x" for spec in template.inputs if spec.required} | {"style": style}
        inputs = {k: v for k, v in inputs.items() if k in {s.key for s in template.inputs} or k == "style"}
        earlier = StepContext(selected_response="chosen", feedback="more detail")
        for key in template.step_keys:
            steps = {k: earlier for k in template.step_keys[: template.step_keys.index(key)]}
            if "style" not in {s.key for s in template.inputs}:
                inputs.pop("style", None)
                template = _with_style(template, style)
            assert catalog.render(template, key, inputs, steps).prompt.strip()
    voice = catalog.get_style(style)["voice"].splitlines()[0]
    angles = catalog.render(catalog.get("tech-article"), "angles", {"topic": "x", "style": style}, {}).prompt
    assert voice in angles, "the built-in tech-article injects the chosen primer, of either format"


def _with_style(template: PipelineTemplate, style: str) -> PipelineTemplate:
    import dataclasses
    from types import MappingProxyType

    return dataclasses.replace(template, defaults=MappingProxyType(dict(template.defaults) | {"style": style}))


def test_user_input_is_the_feedback_the_writer_typed_on_that_step(catalog: FileTemplateCatalog) -> None:
    template = catalog.get(str(FIXTURES / "mapping-form.yaml"))
    steps = {"angles": StepContext(selected_response="Angle B", feedback="shorter, please")}
    prompt = catalog.render(template, "essay", {"topic": "tea"}, steps).prompt
    assert "Angle B" in prompt
    assert "shorter, please" in prompt


def test_bare_input_names_render_as_the_input_and_are_noted_with_the_fix(catalog: FileTemplateCatalog) -> None:
    template = catalog.get(str(FIXTURES / "list-form.yaml"))
    assert template.step_keys == ("outline", "post")
    assert template.inputs[1].options == ("casual", "formal")
    prompt = catalog.render(template, "outline", {"topic": "tea"}, {}).prompt
    assert prompt.startswith("Outline a casual post about tea.")
    fixes = [note.message for note in template.notes if "as the original WriteIt did" in note.message]
    assert any("write {{ inputs.topic }}" in fix for fix in fixes)


@pytest.mark.parametrize(
    ("depends_on", "expected"),
    [("[nowhere]", "unknown step 'nowhere'"), ("[second]", "does not run before"), ("first", "does not run before")],
)
def test_depends_on_may_only_name_an_earlier_step(catalog: FileTemplateCatalog, depends_on: str, expected: str) -> None:
    text = (
        f"steps:\n  first:\n    prompt_template: a\n    depends_on: {depends_on}\n  second:\n    prompt_template: b\n"
    )
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.parse(text, "t.yaml")
    problem = caught.value.problems[0]
    assert expected in problem.message
    assert problem.line == 4
    assert problem.field.startswith("steps.first.depends_on")


def test_styles_list_reports_an_unreadable_primer_and_lists_the_others(tmp_path: Path) -> None:
    styles = Path(os.environ["WRITEIT_HOME"]) / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "broken.yaml").write_text("voice: plain\ntone: [unclosed\n")
    shutil.copy(ORIGINAL / "styles" / "technical-expert.yaml", styles)
    run = writeit("styles", "list", "--json")
    assert run.returncode == 0, run.stderr
    rows = {row["name"]: row for row in json.loads(run.stdout)}
    assert {"technical", "formal", "technical-expert"} <= set(rows)
    assert "broken.yaml:3" in rows["broken"]["problem"]


def test_the_built_in_tech_article_takes_a_writers_own_primer(tmp_path: Path) -> None:
    styles = Path(os.environ["WRITEIT_HOME"]) / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "style-primer.yaml", styles / "plain-guide.yaml")
    run = writeit("run", "tech-article", "-i", "topic=Tea", "-i", "style=plain-guide", "--model", "echo")
    assert run.returncode == 0, run.stderr
    assert "Helpful and direct" in run.stdout
    refused = writeit("run", "tech-article", "-i", "topic=Tea", "-i", "style=nope", "--model", "echo")
    assert refused.returncode != 0
    assert "no style 'nope'" in refused.stderr
    assert "inputs.style" in refused.stderr


def test_templates_show_json_prints_the_template(tmp_path: Path) -> None:
    run = writeit("templates", "show", str(FIXTURES / "mapping-form.yaml"), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["defaults"]["models"]["primary"] == "gpt-4.1-2025-04-14"
    assert data["notes"]


def test_templates_validate_reports_every_file_and_fails_if_any_did(tmp_path: Path) -> None:
    good = str(FIXTURES / "list-form.yaml")
    run = writeit("templates", "validate", "missing-a.yaml", good, "missing-b.yaml")
    assert run.returncode != 0
    assert "error: missing-a.yaml" in run.stderr
    assert "error: missing-b.yaml" in run.stderr
    assert f"{good}: ok" in run.stdout


def test_styles_show_marks_the_sections_prompts_do_not_use() -> None:
    styles = Path(os.environ["WRITEIT_HOME"]) / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "style-primer.yaml", styles / "plain-guide.yaml")
    run = writeit("styles", "show", "plain-guide")
    assert run.returncode == 0, run.stderr
    assert "humor: (kept, not used in prompts: ignored)" in run.stdout
    assert "voice:\n" in run.stdout


def test_a_bare_style_renders_the_chosen_styles_name_and_its_fields_stay_reachable(
    catalog: FileTemplateCatalog,
) -> None:
    text = (
        "inputs:\n  style: {type: text, default: formal}\n"
        "steps:\n  one:\n    prompt_template: '{{ style }}: {{ style.tone }} {{ style[\"voice\"] }}'\n"
    )
    template = catalog.parse(text, "t.yaml")
    prompt = catalog.render(template, "one", {}, {}).prompt
    assert prompt.startswith("formal: Objective, restrained")
    assert "An impartial expert" in prompt
