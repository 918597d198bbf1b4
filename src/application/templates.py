"""Template use cases: list what is available, show one, validate a file or text before any run."""

from __future__ import annotations

import builtins

from writeit.application.ports import TemplateCatalog, TemplateSummary
from writeit.domain.template import PipelineTemplate


class TemplateService:
    def __init__(self, catalog: TemplateCatalog) -> None:
        self._catalog = catalog

    def list(self) -> list[TemplateSummary]:
        return self._catalog.list()

    def get(self, name_or_path: str) -> PipelineTemplate:
        """Load and validate; raises TemplateNotFoundError or TemplateInvalidError (every problem, located)."""
        return self._catalog.get(name_or_path)

    def validate_text(self, text: str, source: str = "<text>") -> PipelineTemplate:
        return self._catalog.parse(text, source)

    def styles(self) -> builtins.list[str]:
        return self._catalog.list_styles()

    def style(self, name: str) -> dict[str, str]:
        return self._catalog.get_style(name)
