"""The TemplateCatalog contract run against the in-memory fake and the YAML files of FileTemplateCatalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from writeit.adapters.memory.templates import InMemoryTemplateCatalog
from writeit.adapters.templates.catalog import FileTemplateCatalog

from .template_catalog_contract import LAYERS, STYLES, TemplateCatalogContract


class TestFileTemplateCatalog(TemplateCatalogContract):
    @pytest.fixture
    def catalog(self, tmp_path: Path) -> FileTemplateCatalog:
        dirs = []
        for origin, templates in LAYERS.items():
            (tmp_path / origin).mkdir()
            for name, text in templates.items():
                (tmp_path / origin / f"{name}.yaml").write_text(text)
            dirs.append((origin, tmp_path / origin))
        (tmp_path / "styles").mkdir()
        for name, fields in STYLES.items():
            lines = "".join(f"{key}: {value!r}\n" for key, value in fields.items())
            (tmp_path / "styles" / f"{name}.yaml").write_text(f"name: {name}\n{lines}")
        return FileTemplateCatalog(dirs, [tmp_path / "styles"])


class TestInMemoryTemplateCatalog(TemplateCatalogContract):
    @pytest.fixture
    def catalog(self) -> InMemoryTemplateCatalog:
        # The fake holds values, not YAML: the real parser makes them (a test may use both adapters).
        parser = FileTemplateCatalog([])
        layers = [
            (origin, [parser.parse(text, f"{origin}/{name}.yaml") for name, text in templates.items()])
            for origin, templates in LAYERS.items()
        ]
        return InMemoryTemplateCatalog(layers, STYLES)
