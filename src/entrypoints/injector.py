"""dependency-injector, imported without the web-framework integrations that the composition root never uses.

Its `wiring` module imports fastapi, starlette and werkzeug when they are installed, only to recognise their
markers in `@inject`-wired functions. WriteIt wires nothing (the container is called explicitly), and those
imports cost the TUI ~10 MB before it has served anything. Its `providers` module imports pydantic-settings
(~8 MB with what it pulls in) only for `Configuration.from_pydantic`, which WriteIt does not use; it then
still imports pydantic's top-level package (~3 MB) to check its version, which cannot be avoided this way.
While dependency-injector loads, these are made absent (a `None` in `sys.modules` makes an import raise
ImportError, which it expects), then restored: the API still imports them when it first serves.
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
