"""The DocumentWriter contract run against the YAML writer (PyYAML) the container gives the export query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from writeit.adapters.documents.yaml_writer import YamlDocumentWriter

from .document_writer_contract import HISTORY, DocumentWriterContract


class TestYamlDocumentWriter(DocumentWriterContract):
    @pytest.fixture
    def writer(self) -> YamlDocumentWriter:
        return YamlDocumentWriter()

    @pytest.fixture
    def load(self) -> Callable[[str], Any]:
        return yaml.safe_load


def test_yaml_is_written_in_blocks_folded_at_a_hundred_characters() -> None:
    text = YamlDocumentWriter().dump(HISTORY)
    assert text.startswith("format: writeit.history/1\npipeline:\n  id: p1\n")
    assert "  models:\n  - echo\n  - markov\n" in text
    topic = next(line for line in text.splitlines() if line.lstrip().startswith("topic:"))
    assert HISTORY["pipeline"]["inputs"]["topic"].strip() not in topic  # the rest is on the next line
