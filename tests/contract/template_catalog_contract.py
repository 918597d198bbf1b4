"""The behaviour every TemplateCatalog must show; subclass it with a `catalog` fixture built from LAYERS and STYLES."""

from __future__ import annotations

import abc

import pytest

from writeit.application.errors import TemplateNotFoundError
from writeit.application.ports import StepContext, TemplateCatalog
from writeit.domain.errors import TemplateInvalidError

ARTICLE = """
metadata: {{name: article, description: {where}}}
inputs:
  topic: {{type: text, required: true}}
  audience: {{type: text, default: engineers}}
  style: {{type: text}}
steps:
  outline:
    name: Outline
    prompt_template: "Outline {{{{ inputs.topic }}}} for {{{{ inputs.audience }}}}"
    models: [first, second]
  draft:
    name: Draft
    prompt_template: "Draft from {{{{ steps.outline }}}} ({{{{ style.tone }}}})"
    system: "Write for {{{{ inputs.audience }}}}."
  polish:
    name: Polish
    prompt_template: "Polish {{{{ steps.draft }}}}, asked: {{{{ steps.polish.feedback }}}}"
"""
MEMO = """
metadata: {name: memo, description: a memo}
defaults: {model: house-model}
steps:
  only: {name: Only, prompt_template: "A memo."}
"""
# Searched in this order: the workspace's `article` shadows the global one.
LAYERS = {
    "workspace": {"article": ARTICLE.format(where="workspace")},
    "global": {"article": ARTICLE.format(where="global"), "memo": MEMO},
}
STYLES = {"plain": {"tone": "plain and direct", "voice": "a colleague"}}


class TemplateCatalogContract(abc.ABC):
    @pytest.fixture
    @abc.abstractmethod
    def catalog(self) -> TemplateCatalog: ...

    def test_templates_are_listed_in_search_order_each_name_once(self, catalog: TemplateCatalog) -> None:
        listed = [(s.name, s.origin, s.description) for s in catalog.list()]
        assert listed[:2] == [("article", "workspace", "workspace"), ("memo", "global", "a memo")]
        assert [name for name, _, _ in listed].count("article") == 1
        assert next(s for s in catalog.list() if s.name == "article").steps == ("outline", "draft", "polish")

    def test_a_name_gets_the_first_template_found_by_that_name(self, catalog: TemplateCatalog) -> None:
        assert catalog.get("article").metadata.description == "workspace"
        assert catalog.get("memo").step_keys == ("only",)

    def test_an_unknown_name_is_not_found_and_named(self, catalog: TemplateCatalog) -> None:
        with pytest.raises(TemplateNotFoundError, match="no template 'nope'"):
            catalog.get("nope")

    def test_a_template_parsed_again_from_its_recorded_text_and_source_is_the_same(
        self, catalog: TemplateCatalog
    ) -> None:
        template = catalog.get("article")
        assert catalog.parse(template.text, template.source) == template

    def test_text_that_is_no_template_is_refused_with_its_source_in_every_problem(
        self, catalog: TemplateCatalog
    ) -> None:
        with pytest.raises(TemplateInvalidError) as refused:
            catalog.parse("metadata: [unclosed", "mine.yaml")
        assert refused.value.problems
        assert all(p.file == "mine.yaml" for p in refused.value.problems)

    def test_a_prompt_sees_the_inputs_with_their_defaults_and_the_step_models_in_order(
        self, catalog: TemplateCatalog
    ) -> None:
        rendered = catalog.render(catalog.get("article"), "outline", {"topic": "LMDB"}, {})
        assert rendered.prompt == "Outline LMDB for engineers"
        assert rendered.models == ("first", "second")

    def test_a_prompt_sees_the_earlier_selection_the_style_and_renders_its_system_text(
        self, catalog: TemplateCatalog
    ) -> None:
        steps = {"outline": StepContext(selected_response="an outline"), "draft": StepContext()}
        inputs = {"topic": "LMDB", "audience": "writers", "style": "plain"}
        rendered = catalog.render(catalog.get("article"), "draft", inputs, steps)
        assert (rendered.prompt, rendered.system) == ("Draft from an outline (plain and direct)", "Write for writers.")

    def test_feedback_is_appended_to_a_prompt_that_does_not_place_it_and_placed_once_where_it_does(
        self, catalog: TemplateCatalog
    ) -> None:
        template = catalog.get("article")
        steps = {"outline": StepContext(selected_response="o"), "draft": StepContext(feedback="shorter")}
        draft = catalog.render(template, "draft", {"topic": "t"}, steps).prompt
        assert draft.startswith("Draft from o (")
        assert draft.endswith("\n\nRevise your answer taking this feedback into account:\nshorter")
        steps = {"draft": StepContext(selected_response="d"), "polish": StepContext(feedback="warmer")}
        polish = catalog.render(template, "polish", {"topic": "t"}, steps).prompt
        assert polish == "Polish d, asked: warmer"

    def test_a_step_without_models_takes_the_template_default(self, catalog: TemplateCatalog) -> None:
        assert catalog.render(catalog.get("memo"), "only", {}, {}).models == ("house-model",)

    def test_style_primers_are_listed_and_read_by_name(self, catalog: TemplateCatalog) -> None:
        assert "plain" in catalog.list_styles()
        primer = catalog.get_style("plain")
        assert (primer["name"], primer["tone"], primer["voice"]) == ("plain", "plain and direct", "a colleague")

    def test_an_unknown_style_primer_is_not_found(self, catalog: TemplateCatalog) -> None:
        with pytest.raises(TemplateNotFoundError, match="'nope'"):
            catalog.get_style("nope")
