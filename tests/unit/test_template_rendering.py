"""Rendering prompts: earlier selections, feedback, style primers, models, and the sandbox."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.adapters.templates.renderer import PromptRenderer
from writeit.application.ports import StepContext
from writeit.domain.errors import TemplateInvalidError, UnknownStepError
from writeit.domain.template import PipelineTemplate, StepSpec, TemplateMetadata

PIPELINE = """\
defaults:
  style: formal
  model: default-model
inputs:
  topic: {type: text, required: true}
  notes: {type: textarea}
steps:
  ideas:
    prompt_template: "Ideas on {{ inputs.topic }}.[{{ inputs.notes }}]"
  outline:
    prompt_template: |
      Outline from: {{ steps.ideas }}
      Same: {{ steps.ideas.selected_response }}
      All: {{ steps.ideas.candidates | join(' / ') }}
    system: "Write in the {{ style.name }} style: {{ style.tone }}"
    model_preference: ["{{ defaults.model }}", "fallback-model"]
  review:
    prompt_template: >-
      Review {{ steps.outline }}{% if steps.review.feedback %} (asked: {{ steps.review.feedback }}){% endif %}
    models: [model-a, model-b]
"""


@pytest.fixture
def catalog() -> FileTemplateCatalog:
    return FileTemplateCatalog([])


@pytest.fixture
def template(catalog: FileTemplateCatalog) -> PipelineTemplate:
    return catalog.parse(PIPELINE, "pipeline.yaml")


def test_earlier_steps_render_as_their_selected_text_with_their_fields(
    catalog: FileTemplateCatalog, template: PipelineTemplate
) -> None:
    ideas = StepContext(selected_response="B", candidates=("A", "B"))
    rendered = catalog.render(template, "outline", {"topic": "LMDB"}, {"ideas": ideas})
    assert rendered.prompt == "Outline from: B\nSame: B\nAll: A / B\n"


def test_a_missing_optional_input_renders_as_empty_text(
    catalog: FileTemplateCatalog, template: PipelineTemplate
) -> None:
    assert catalog.render(template, "ideas", {"topic": "LMDB"}, {}).prompt == "Ideas on LMDB.[]"


def test_feedback_on_the_current_step_is_appended_to_its_prompt(
    catalog: FileTemplateCatalog, template: PipelineTemplate
) -> None:
    steps = {"ideas": StepContext(feedback="fewer, bolder ideas")}
    prompt = catalog.render(template, "ideas", {"topic": "LMDB"}, steps).prompt
    assert prompt == "Ideas on LMDB.[]\n\nRevise your answer taking this feedback into account:\nfewer, bolder ideas"


def test_feedback_is_not_appended_twice_when_the_prompt_uses_it(
    catalog: FileTemplateCatalog, template: PipelineTemplate
) -> None:
    steps = {"outline": StepContext(selected_response="O"), "review": StepContext(feedback="be kind")}
    assert catalog.render(template, "review", {"topic": "t"}, steps).prompt == "Review O (asked: be kind)"


def test_feedback_of_an_earlier_step_is_not_appended(catalog: FileTemplateCatalog, template: PipelineTemplate) -> None:
    steps = {"ideas": StepContext(selected_response="I", feedback="old feedback")}
    assert "old feedback" not in catalog.render(template, "outline", {"topic": "t"}, steps).prompt


def test_the_style_primer_named_in_defaults_is_injected(
    catalog: FileTemplateCatalog, template: PipelineTemplate
) -> None:
    system = catalog.render(template, "outline", {"topic": "t"}, {}).system
    assert system == f"Write in the formal style: {catalog.get_style('formal')['tone']}"


def test_the_style_input_wins_over_defaults(catalog: FileTemplateCatalog, template: PipelineTemplate) -> None:
    system = catalog.render(template, "outline", {"topic": "t", "style": "technical"}, {}).system
    assert system.startswith("Write in the technical style: Confident")


def test_an_unknown_style_name_is_refused_at_the_field_that_named_it(
    catalog: FileTemplateCatalog, template: PipelineTemplate
) -> None:
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.render(template, "outline", {"style": "casual"}, {})
    problem = caught.value.problems[0]
    assert (problem.field, problem.file) == ("inputs.style", "pipeline.yaml")
    assert "no style 'casual'" in problem.message
    assert "formal" in problem.message


def test_a_workspace_style_shadows_the_built_in_one(tmp_path: Path, template: PipelineTemplate) -> None:
    (tmp_path / "formal.yaml").write_text("tone: stiff upper lip\nexamples: [one, two]\n")
    catalog = FileTemplateCatalog([], styles_dirs=[tmp_path])
    assert catalog.render(template, "outline", {}, {}).system == "Write in the formal style: stiff upper lip"
    assert catalog.get_style("formal")["examples"] == "- one\n- two"


def test_the_built_in_templates_inject_style_and_earlier_steps(catalog: FileTemplateCatalog) -> None:
    tech = catalog.get("tech-article")
    inputs = tech.validate_inputs({"topic": "Event sourcing", "style": "conversational"})
    steps = {"outline": StepContext(selected_response="THE OUTLINE")}
    rendered = catalog.render(tech, "draft", inputs, steps)
    assert "THE OUTLINE" in rendered.prompt
    assert catalog.get_style("conversational")["voice"] in rendered.prompt
    assert "Source material" not in rendered.prompt
    assert rendered.models == ()


def test_models_come_from_models_then_model_preference_then_defaults(
    catalog: FileTemplateCatalog, template: PipelineTemplate
) -> None:
    assert catalog.render(template, "review", {}, {}).models == ("model-a", "model-b")
    assert catalog.render(template, "outline", {}, {}).models == ("default-model", "fallback-model")
    assert catalog.render(template, "ideas", {}, {}).models == ("default-model",)


def test_defaults_models_is_used_before_defaults_model(catalog: FileTemplateCatalog) -> None:
    text = "defaults: {model: one, models: [two, three]}\nsteps:\n  a: {prompt_template: hi}\n"
    assert catalog.render(catalog.parse(text, "t.yaml"), "a", {}, {}).models == ("two", "three")


def test_rendering_an_unknown_step_is_refused(catalog: FileTemplateCatalog, template: PipelineTemplate) -> None:
    with pytest.raises(UnknownStepError):
        catalog.render(template, "nope", {}, {})


def test_a_sandbox_escape_that_skipped_validation_is_refused_at_render(catalog: FileTemplateCatalog) -> None:
    step = StepSpec(key="evil", name="Evil", prompt_template="{{ ''.__class__.__mro__[1].__subclasses__() }}")
    unvalidated = PipelineTemplate(metadata=TemplateMetadata(name="evil"), steps=(step,), source="evil.yaml")
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.render(unvalidated, "evil", {}, {})
    problem = caught.value.problems[0]
    assert (problem.file, problem.field) == ("evil.yaml", "steps.evil.prompt_template")
    assert "sandbox" in problem.message


def test_compiled_prompts_are_cached() -> None:
    renderer = PromptRenderer()
    assert renderer.compile("{{ inputs.topic }}") is renderer.compile("{{ inputs.topic }}")


def test_a_template_that_validates_renders_with_only_required_inputs(catalog: FileTemplateCatalog) -> None:
    text = textwrap.dedent(
        """\
        inputs:
          topic: {type: text, required: true}
          count: {type: number}
          loud: {type: boolean}
        steps:
          a:
            prompt_template: "{{ inputs.topic }}|{{ inputs.count }}|{{ inputs.loud }}|{{ style.voice }}"
          b:
            prompt_template: "{{ steps.a }}|{{ steps.a.feedback }}|{{ steps.a.candidates | length }}"
        """
    )
    template = catalog.parse(text, "t.yaml")
    assert catalog.render(template, "a", {"topic": "x"}, {}).prompt == "x|||"
    assert catalog.render(template, "b", {"topic": "x"}, {}).prompt == "||0"
