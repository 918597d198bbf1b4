"""One render's budget: a deadline (kept by a watchdog, also inside one slow call) and a count of steps."""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

TIME_LIMIT = 2.0
MAX_STEPS = 100_000  # loop iterations plus macro and method calls, in one render


class RenderLimitError(Exception):
    """A prompt went past a render limit; `lineno` is the prompt line when known."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


@dataclass(slots=True)
class _Budget:
    deadline: float
    steps: int = 0
    produced: int = 0


_BUDGET: ContextVar[_Budget | None] = ContextVar("writeit_render_budget", default=None)


class _Overtime(BaseException):
    """Raised inside the rendering thread by the watchdog when one long operation outlasts the time limit."""


class _Watchdog:
    """Interrupts the rendering thread at the deadline, also inside one slow call (a filter over a long text)
    that no per-step check sees; the lock makes sure an interrupt never lands after the render is over."""

    def __init__(self, seconds: float) -> None:
        self._thread = threading.get_ident()
        self._lock = threading.Lock()
        self._done = False
        self._fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> None:
        self._timer.start()

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            if self._fired:  # withdraw an interrupt not yet delivered
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread), None)

    def _fire(self) -> None:
        with self._lock:
            if not self._done:
                self._fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread), ctypes.py_object(_Overtime))


@contextmanager
def budget(seconds: float = TIME_LIMIT) -> Iterator[None]:
    """Limits for one render (nested renders share the outer one); raises RenderLimitError past one."""
    if _BUDGET.get() is not None:
        yield
        return
    token = _BUDGET.set(_Budget(deadline=time.monotonic() + seconds))
    try:
        try:
            with _Watchdog(seconds):
                yield
        except _Overtime:
            raise RenderLimitError(f"took longer than {seconds:g} s to render") from None
    finally:
        _BUDGET.reset(token)


def spend(lineno: int | None = None) -> _Budget:
    current = _BUDGET.get()
    if current is None:  # compile-time constant folding: leave the work to the bounded render
        raise RenderLimitError("evaluated only when rendering")
    current.steps += 1
    if current.steps > MAX_STEPS:
        raise RenderLimitError(f"more than {MAX_STEPS:,} loop iterations or calls", lineno)
    if time.monotonic() > current.deadline:
        raise RenderLimitError(f"took longer than {TIME_LIMIT:g} s to render", lineno)
    return current
