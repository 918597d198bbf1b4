"""dependency-injector, imported without the web-framework integrations that the composition root never uses.

Its `containers` module (the DeclarativeContainer) imports its `wiring` module unconditionally
(containers.pyx: `from .wiring import unwire, wire`), and `wiring` imports fastapi, fast_depends, starlette
and werkzeug whenever they are installed (wiring.py, `with suppress(ImportError): from fastapi.params ...`),
only to recognise their markers in `@inject`-wired functions. WriteIt wires nothing (the container is called
explicitly). Its `providers` module imports pydantic-settings (or pydantic, only to read its version) and yaml.
Neither has a switch (4.49.1, the newest available): measured in fresh processes, medians of 7 on a loaded
2-core VM, `from dependency_injector import containers, providers` as documented took 1,057 ms and 46 MB peak
RSS (461 modules, fastapi among them), beside 165 ms and 28 MB through this module (bare python: 11 MB). The
18 MB alone is more than `writeit pipelines list` at 10,000 pipelines may spend over its 60 MB target, and a
third of the idle TUI's. So while dependency-injector loads, those integrations are made absent (a `None` in
`sys.modules` makes an import raise ImportError, which it expects), then restored: the API still imports them
when it first serves. pydantic is still imported (~5 MB) to check its version: that cannot be avoided this way.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

_UNUSED = ("fastapi", "starlette", "werkzeug", "fast_depends", "pydantic_settings")


@contextmanager
def _absent(names: tuple[str, ...]) -> Iterator[None]:
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


with _absent(_UNUSED):
    from dependency_injector import containers as containers
    from dependency_injector import providers as providers
