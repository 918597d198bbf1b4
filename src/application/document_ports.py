"""The document port: writing an exported history in a format the standard library cannot write (YAML)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class DocumentWriter(Protocol):
    """Writes a JSON-compatible document (dicts, lists or tuples, strings, numbers, booleans, None) as text.

    The text parses back to an equal document (tuples come back as lists), keeps the keys in their order and
    non-ASCII characters as themselves, and ends with a newline. It raises nothing for such a document.
    """

    def dump(self, document: Mapping[str, Any]) -> str: ...
