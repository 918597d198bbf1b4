"""What every handler may use: the unit of work, the templates pipelines started from, the generator, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, overload

from writeit.application.generation import StepGenerator
from writeit.application.merge_recipes import BuiltInRecipes, RecipeBook
from writeit.application.ports import CancelRequests, FragmentSource, TemplateCatalog
from writeit.application.preflight import Preflight
from writeit.application.unit_of_work import UnitOfWork
from writeit.domain.errors import TemplateInvalidError
from writeit.domain.pipeline import Pipeline
from writeit.domain.template import PipelineTemplate


class StartedTemplates:
    """The template each pipeline started from (its text is in the first event), parsed once."""

    def __init__(self, catalog: TemplateCatalog) -> None:
        self._catalog = catalog
        self._parsed: dict[str, PipelineTemplate] = {}

    def remember(self, pipeline_id: str, template: PipelineTemplate) -> None:
        self._parsed[pipeline_id] = template

    @overload
    def of(self, pipeline: Pipeline, *, strict: Literal[True]) -> PipelineTemplate: ...

    @overload
    def of(self, pipeline: Pipeline, *, strict: bool = False) -> PipelineTemplate | None: ...

    def of(self, pipeline: Pipeline, *, strict: bool = False) -> PipelineTemplate | None:
        """Showing a pipeline must not depend on today's validation rules (an older or imported pipeline may not
        pass them): only `strict` callers, which are about to render a prompt, get the validation error."""
        template = self._parsed.get(pipeline.id)
        if template is None:
            try:
                template = self._catalog.parse(pipeline.template_text, pipeline.template_source)
            except TemplateInvalidError:
                if strict:
                    raise
                return None
            self._parsed[pipeline.id] = template
        return template


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    uow: UnitOfWork
    catalog: TemplateCatalog
    templates: StartedTemplates
    generator: StepGenerator
    preflight: Preflight
    new_id: Callable[[], str]
    is_alive: Callable[[str], bool]
    fragments: FragmentSource | None = None
    recipes: RecipeBook = field(default_factory=BuiltInRecipes)
    cancels: CancelRequests | None = None  # to ask another worker to stop a candidate it runs

    def now(self) -> datetime:
        return self.uow.clock()

    def orphans(self, pipeline: Pipeline, step: str | None = None) -> list[str]:
        """Pending candidates that nobody runs: not in this process, and their process is gone."""
        running = self.generator.running()
        ours = self.generator.session
        return [
            c.id
            for c in pipeline.pending_candidates()
            if (step is None or c.step == step)
            and c.id not in running
            and (c.session == ours or not self.is_alive(c.session))
        ]
