"""The template ports: the catalog of pipeline templates and the source of fragments, stated as Protocols."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from writeit.domain.template import PipelineTemplate


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateSummary:
    name: str
    description: str
    origin: str
    path: str
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StepContext:
    """What a prompt sees of an earlier (or the current) step."""

    selected_response: str = ""
    feedback: str = ""
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedPrompt:
    prompt: str
    system: str
    models: tuple[str, ...]


class TemplateCatalog(Protocol):
    """Finds, parses and validates pipeline templates (YAML), and renders their prompts."""

    def list(self) -> list[TemplateSummary]:
        """Every template found: workspace first, then global, then built-in; a name shadows later ones."""
        ...

    def get(self, name_or_path: str) -> PipelineTemplate:
        """Load by name (searching in order) or by file path. Raises TemplateNotFoundError, TemplateInvalidError."""
        ...

    def parse(self, text: str, source: str) -> PipelineTemplate:
        """Parse and validate YAML text; raises TemplateInvalidError listing every problem with file:line."""
        ...

    def render(
        self,
        template: PipelineTemplate,
        step: str,
        inputs: Mapping[str, Any],
        steps: Mapping[str, StepContext],
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> RenderedPrompt:
        """Render the step's prompt, system text and model list (sandboxed, strict about undefined names);
        `fragments` ({"source", "content"}) are the prompts' `fragments`."""
        ...

    def list_styles(self) -> builtins.list[str]:
        """Names of the style primers found (workspace, global, built-in)."""
        ...

    def get_style(self, name: str) -> dict[str, str]:
        """A style primer's fields as text; raises TemplateNotFoundError when there is none by that name."""
        ...


class FragmentSource(Protocol):
    """Reads fragments (`llm -f` references: paths, URLs, `prefix:` loaders) into their text."""

    def resolve(self, references: Sequence[str], *, local_paths: bool = True) -> builtins.list[dict[str, str]]:
        """`{"source", "content"}` for each fragment each reference yields, in order; raises InputInvalidError
        naming the reference that cannot be read (`local_paths=False` refuses paths on this machine)."""
        ...
