"""dependency-injector's `providers`, imported without the optional extras it probes for.

Importing `dependency_injector.providers` imports PyYAML (for `Configuration.from_yaml`) and pydantic (only to
learn whether it is version 1, for `from_pydantic`) whenever they are installed: about 60 ms of a cold
`writeit pipelines list` that needs neither (benchmarks/scale.py measures it against `writeit --help`). The
container uses neither method, so the import runs with those modules unfindable, for the importing thread only
and only while it runs; a module some other code has already imported is left alone, and another thread
importing one meanwhile is not affected. Afterwards `yaml` and `pydantic` import as usual for whoever needs them.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any

# The optional extras dependency-injector looks for when its providers module is imported.
OPTIONAL_EXTRAS = ("yaml", "pydantic_settings", "pydantic")


class _Unfindable:
    """A meta path finder that refuses the given top-level modules to one thread."""

    def __init__(self, names: set[str]) -> None:
        self.names, self.thread = names, threading.get_ident()

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        if name in self.names and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _import_providers() -> Any:
    finder = _Unfindable({name for name in OPTIONAL_EXTRAS if name not in sys.modules})
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module("dependency_injector.providers")
    finally:
        sys.meta_path.remove(finder)


if TYPE_CHECKING:
    from dependency_injector import providers as providers
else:
    providers = _import_providers()
