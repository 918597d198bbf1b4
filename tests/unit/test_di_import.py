"""dependency-injector's providers come in without PyYAML and pydantic, and nobody else is kept from them."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from writeit.entrypoints.di import _Unfindable

_PROBE = """
import sys
from writeit.entrypoints.di import providers
print(sorted(name for name in ("yaml", "pydantic", "pydantic_settings") if name in sys.modules))
config = providers.Configuration()
config.from_dict({"budget": 2})
print(config.budget())
import yaml, pydantic
print(yaml.safe_load("a: 1"), pydantic.VERSION[:1])
print(sys.meta_path[0].__class__.__name__)
"""


def test_the_providers_import_loads_neither_yaml_nor_pydantic_and_leaves_both_importable() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    loaded, budget, after, first_finder = done.stdout.splitlines()
    assert loaded == "[]"
    assert budget == "2"  # the Configuration provider the container uses still works
    assert after == "{'a': 1} 2"  # imported as usual afterwards
    assert first_finder != "_Unfindable"  # the finder is gone once the import is done


def test_the_finder_refuses_only_the_thread_that_made_it() -> None:
    finder = _Unfindable({"yaml"})
    with pytest.raises(ModuleNotFoundError, match="yaml"):
        finder.find_spec("yaml", None)
    assert finder.find_spec("json", None) is None  # other modules: left to the usual finders
    seen: list[object] = []
    other = threading.Thread(target=lambda: seen.append(finder.find_spec("yaml", None)))
    other.start()
    other.join()
    assert seen == [None]
