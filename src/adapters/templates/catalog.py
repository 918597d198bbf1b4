"""FileTemplateCatalog: YAML templates found by name in ordered directories (built-ins last), validated, rendered."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from writeit.adapters.templates.loader import BUILTIN_PREFIX, TemplateLoader
from writeit.adapters.templates.renderer import PromptRenderer, file_line
from writeit.adapters.templates.styles import SAFE_NAME, SUFFIXES, StyleLibrary, yaml_files
from writeit.adapters.templates.yamldoc import read_text_file
from writeit.application.errors import TemplateNotFoundError
from writeit.application.ports import RenderedPrompt, StepContext, TemplateSummary
from writeit.domain.errors import Problem, TemplateInvalidError
from writeit.domain.template import PipelineTemplate

BUILTIN_DIR = Path(__file__).parent / "builtin"
BUILTIN_STYLES_DIR = Path(__file__).parent / "styles"
BUILTIN = "builtin"


class FileTemplateCatalog:
    """The TemplateCatalog over directories of YAML files.

    `search_dirs` are (origin, directory) pairs searched in order, e.g. [("workspace", ...), ("global", ...)];
    the built-in templates always come last. With `allow_paths=False` (for a network API) `get` only takes names.
    """

    def __init__(
        self,
        search_dirs: Sequence[tuple[str, Path]],
        styles_dirs: Sequence[Path] = (),
        *,
        allow_paths: bool = True,
    ) -> None:
        self._dirs = [(origin, Path(directory)) for origin, directory in search_dirs] + [(BUILTIN, BUILTIN_DIR)]
        self._styles = StyleLibrary([*styles_dirs, BUILTIN_STYLES_DIR])
        self._renderer = PromptRenderer()
        self._loader = TemplateLoader(self._renderer)
        self._allow_paths = allow_paths
        # Parsed templates by file, valid while the file's mtime and size are unchanged.
        self._cache: dict[Path, tuple[tuple[int, int], PipelineTemplate]] = {}

    def list(self) -> list[TemplateSummary]:
        """Every template by name, in search order; an invalid one is listed with its first problem."""
        seen: set[str] = set()
        summaries = []
        for origin, directory in self._dirs:
            for path in yaml_files(directory):
                if path.stem not in seen:
                    seen.add(path.stem)
                    summaries.append(self._summary(origin, path))
        return summaries

    def get(self, name_or_path: str) -> PipelineTemplate:
        """Load by file path (when it looks like one) or by name; raises TemplateNotFoundError, TemplateInvalidError."""
        if _looks_like_path(name_or_path):
            return self._get_path(name_or_path)
        found = self._find(name_or_path)
        if found is None:
            raise TemplateNotFoundError(name_or_path, self._searched())
        return self._load(*found)

    def parse(self, text: str, source: str) -> PipelineTemplate:
        return self._check_styles(self._loader.parse(text, source))

    def render(
        self,
        template: PipelineTemplate,
        step: str,
        inputs: Mapping[str, Any],
        steps: Mapping[str, StepContext],
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> RenderedPrompt:
        """Render with the primer named by the `style` input, else by `defaults.style`, else an empty one; a name
        that is no style is refused, located at the field that named it."""
        return self._renderer.render(template, step, inputs, steps, self._style_of(template, inputs), fragments)

    def _style_of(self, template: PipelineTemplate, inputs: Mapping[str, Any]) -> dict[str, str]:
        declared = next((spec.default for spec in template.inputs if spec.key == "style"), None)
        given = inputs.get("style") or declared
        field = "inputs.style" if given else "defaults.style"
        name = given or template.defaults.get("style") or ""
        try:
            return self._styles.primer(str(name))
        except TemplateInvalidError as exc:
            problem = exc.problems[0]
            if problem.field != "style":  # the primer file itself is invalid: its own file and line
                raise
            located = Problem(problem.message, field=field, file=template.source, line=file_line(template, field))
            raise TemplateInvalidError([located]) from None

    def _check_styles(self, template: PipelineTemplate) -> PipelineTemplate:
        """A style the template names by default (`defaults.style`, the `style` input's default) must exist."""
        self._style_of(template, {})
        return template

    def list_styles(self) -> builtins.list[str]:
        """The names of every style primer (workspace ones first in lookup, built-ins last)."""
        return self._styles.names()

    def get_style(self, name: str) -> dict[str, str]:
        """The primer's fields as text; raises StyleNotFoundError (a TemplateNotFoundError), TemplateInvalidError."""
        return self._styles.get(name)

    def _find(self, name: str) -> tuple[str, Path] | None:
        if not SAFE_NAME.match(name):
            return None
        for origin, directory in self._dirs:
            for suffix in SUFFIXES:
                if (directory / f"{name}{suffix}").is_file():
                    return origin, directory / f"{name}{suffix}"
        return None

    def _get_path(self, reference: str) -> PipelineTemplate:
        path = Path(reference)
        if ".." in path.parts:
            problem = Problem("paths with '..' are refused; give the template's path without '..'", file=reference)
            raise TemplateInvalidError([problem])
        if not self._allow_paths or path.suffix not in SUFFIXES or not path.is_file():
            raise TemplateNotFoundError(reference, [str(path.parent)] if self._allow_paths else self._searched())
        return self._load("path", path)

    def _load(self, origin: str, path: Path) -> PipelineTemplate:
        try:
            stat = path.stat()
        except OSError:
            raise TemplateNotFoundError(str(path), [str(path.parent)]) from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        source = f"{BUILTIN_PREFIX}{path.stem}" if origin == BUILTIN else str(path)
        template = self._check_styles(self._loader.parse(read_text_file(path, source), source))
        self._cache[path] = (stamp, template)
        return template

    def _summary(self, origin: str, path: Path) -> TemplateSummary:
        try:
            template = self._load(origin, path)
        except TemplateInvalidError as exc:
            first = str(exc.problems[0]) if exc.problems else "invalid"
            return TemplateSummary(
                name=path.stem, description=f"invalid: {first}", origin=origin, path=str(path), steps=()
            )
        description = template.metadata.description
        return TemplateSummary(
            name=path.stem, description=description, origin=origin, path=str(path), steps=template.step_keys
        )

    def _searched(self) -> builtins.list[str]:
        return [f"{origin} {directory}" for origin, directory in self._dirs]


def _looks_like_path(reference: str) -> bool:
    return "/" in reference or "\\" in reference or reference.endswith(SUFFIXES)
