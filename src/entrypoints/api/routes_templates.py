"""Templates: list, show, and validate YAML text before any run."""

from __future__ import annotations

from fastapi import APIRouter

from writeit.application.errors import TemplateNotFoundError
from writeit.domain.errors import TemplateInvalidError
from writeit.domain.template import PipelineTemplate
from writeit.entrypoints.api.deps import TemplateName, Templates
from writeit.entrypoints.api.errors import responses
from writeit.entrypoints.api.responses import TemplateListItem, TemplateOut, template_item, template_out
from writeit.entrypoints.api.schemas import TemplateValid, ValidateTemplate

router = APIRouter(prefix="/api/templates", tags=["templates"])


def named(name: str) -> str:
    """A template name as a network client may give it: never a path, so no server file can be read."""
    if "/" in name or "\\" in name or name.endswith((".yaml", ".yml")) or ".." in name:
        raise TemplateNotFoundError(name, [])
    return name


@router.get("", response_model=list[TemplateListItem])
def list_templates(templates: Templates) -> list[TemplateListItem]:
    """Every template: workspace first, then global, then built-in. Invalid ones are listed with `valid` false."""
    items = []
    for summary in templates.list():
        template: PipelineTemplate | None = None
        if summary.steps:
            try:
                template = templates.get(named(summary.name))
            except (TemplateInvalidError, TemplateNotFoundError):
                template = None  # changed on disk since it was listed
        items.append(template_item(summary, template))
    return items


@router.get("/{name}", response_model=TemplateOut, responses=responses(404, 422))
def get_template(name: TemplateName, templates: Templates) -> TemplateOut:
    """One template, parsed and validated (422 lists each problem with its line and field)."""
    return template_out(name, templates.get(named(name)))


@router.post("/validate", response_model=TemplateValid, responses=responses(400, 413, 422))
def validate_template(body: ValidateTemplate, templates: Templates) -> TemplateValid:
    """Validate a template's YAML text; 422 lists every problem with its line and field."""
    template = templates.validate_text(body.yaml)
    return TemplateValid(valid=True, name=template.name, steps=list(template.step_keys))
