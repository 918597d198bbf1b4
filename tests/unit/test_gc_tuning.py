"""The TUI's garbage-collection policy: what modules load after start is frozen, so no full collection walks it."""

from __future__ import annotations

import asyncio
import gc
import importlib
import sys
import weakref

from writeit.entrypoints.launch import freeze_new_imports


async def test_objects_of_a_module_imported_after_start_are_frozen_soon_after() -> None:
    gc.unfreeze()
    task = asyncio.create_task(freeze_new_imports(period=0.01))
    try:
        await asyncio.sleep(0.05)
        assert gc.get_freeze_count() == 0, "nothing new was imported: nothing to freeze"
        name = next(n for n in ("tabnanny", "pyclbr", "imaplib") if n not in sys.modules)
        importlib.import_module(name)  # as `llm` loads on the first round
        await asyncio.sleep(0.1)
        assert gc.get_freeze_count() > 0
    finally:
        task.cancel()
        gc.unfreeze()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


async def test_garbage_is_collected_before_the_freeze_never_frozen_with_the_rest() -> None:
    gc.disable()  # nothing but the freezer collects during this test
    task = asyncio.create_task(freeze_new_imports(period=0.01))
    try:
        await asyncio.sleep(0.05)
        cycle = _Cycle()
        dead = weakref.ref(cycle)
        del cycle  # unreachable, but a cycle: only a collection frees it
        name = next(n for n in ("mailbox", "netrc", "sched") if n not in sys.modules)
        importlib.import_module(name)
        await asyncio.sleep(0.1)
        assert dead() is None, "the freeze kept a dead cycle alive for ever"
    finally:
        task.cancel()
        gc.unfreeze()
        gc.enable()
