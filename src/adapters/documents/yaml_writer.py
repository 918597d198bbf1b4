"""The YAML document writer: an exported history as block YAML, through PyYAML's safe dumper."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml


class YamlDocumentWriter:
    """A DocumentWriter for YAML: keys in their order, Unicode kept, lines folded at 100 characters."""

    def dump(self, document: Mapping[str, Any]) -> str:
        # A JSON round trip first turns tuples and other containers into the plain lists safe_dump accepts.
        plain = json.loads(json.dumps(document, ensure_ascii=False))
        return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=100)
