"""The behaviour every DocumentWriter must show; subclass it with `writer` and `load` (its format's parser)."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import pytest

from writeit.application.document_ports import DocumentWriter

HISTORY: dict[str, Any] = {
    "format": "writeit.history/1",
    "pipeline": {
        "id": "p1",
        "inputs": {"topic": "Événements — ünïcode ✓ " + "and a topic long enough to be folded " * 4, "n": None},
        "models": ("echo", "markov"),  # a tuple, as dataclasses.asdict leaves them
        "totals": {"cost": 0.000125, "input_tokens": 12, "estimated": False},
        "zeta_first": 1,
        "alpha_last": 2,
    },
    "events": [{"type": "PipelineStarted", "seq": 1, "text": "line one\nline two: with a colon\n"}, {}],
}


def plain(value: Any) -> Any:
    """The document as its format reads it back: tuples become lists."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


class DocumentWriterContract(abc.ABC):
    @pytest.fixture
    @abc.abstractmethod
    def writer(self) -> DocumentWriter: ...

    @pytest.fixture
    @abc.abstractmethod
    def load(self) -> Callable[[str], Any]: ...

    def test_the_text_reads_back_as_the_same_document(self, writer: DocumentWriter, load: Callable[[str], Any]) -> None:
        assert load(writer.dump(HISTORY)) == plain(HISTORY)

    def test_keys_keep_their_order(self, writer: DocumentWriter, load: Callable[[str], Any]) -> None:
        assert list(load(writer.dump(HISTORY))["pipeline"]) == list(HISTORY["pipeline"])
        text = writer.dump(HISTORY)
        assert text.index("zeta_first") < text.index("alpha_last")

    def test_non_ascii_characters_are_written_as_themselves(self, writer: DocumentWriter) -> None:
        text = writer.dump(HISTORY)
        assert "Événements — ünïcode ✓" in text
        assert "\\u" not in text

    def test_the_text_ends_with_a_newline(self, writer: DocumentWriter) -> None:
        assert writer.dump(HISTORY).endswith("\n")
        assert writer.dump({}).endswith("\n")
