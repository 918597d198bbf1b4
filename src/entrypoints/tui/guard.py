"""One way for the TUI to report a failure: a notification naming what failed, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from writeit.application.errors import ApplicationError
from writeit.domain.errors import DomainError

T = TypeVar("T")
log = logging.getLogger("writeit.tui")


def describe(exc: BaseException) -> str:
    """What a writer can act on: the message of an expected error, the type and message of anything else."""
    if isinstance(exc, ApplicationError | DomainError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return f"unexpected error ({type(exc).__name__}: {exc}); see the log"


def report(owner: object, exc: BaseException, what: str) -> None:
    """Notify the writer of `exc` (raised while doing `what`); unexpected errors also go to the log."""
    if not isinstance(exc, ApplicationError | DomainError | OSError):
        log.error("%s failed", what, exc_info=exc)
    notify = getattr(owner, "notify", None)
    if notify is not None:
        # markup=False: messages quote user text and model output, which may contain [brackets].
        notify(describe(exc), title=what, severity="error", timeout=8, markup=False)


async def attempt(owner: object, awaitable: Awaitable[T], what: str) -> T | None:
    """Await a service call; on failure notify the writer and return None."""
    try:
        return await awaitable
    except Exception as exc:
        report(owner, exc, what)
        return None
