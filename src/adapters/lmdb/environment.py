"""The LMDB environment as a container resource, and transactions that survive map growth."""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import lmdb

from writeit.adapters.lmdb import map_pages
from writeit.application.errors import StoreError

T = TypeVar("T")

MAX_DBS = 16
# Doubling from even 64 KiB reaches 256 TiB well within this many attempts; more means something else is wrong.
_MAX_ATTEMPTS = 32


def open_environment(path: Path, map_size: int = 1 << 30) -> Iterator[lmdb.Environment]:
    """Open (creating) the environment at `path` for a `providers.Resource`; close it when the resource ends.

    A process may open an environment only once, so the container must hold a single one.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        user = _share(path)
        env = lmdb.open(str(path), map_size=map_size, max_dbs=MAX_DBS)
        # A process killed mid-read leaves its reader slot taken; free those before anyone begins.
        env.reader_check()
    except (lmdb.Error, OSError) as exc:
        raise StoreError(f"cannot open the store at {path}: {exc}") from exc
    try:
        yield env
    finally:
        env.close()
        os.close(user)


LOCK_FILE = "writeit.lock"


def _share(path: Path) -> int:
    """Hold a shared lock on the store while it is open, so replacing or removing it can tell it is in use."""
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the store at `path` exclusively (no process has it open); StoreError when one does."""
    if not path.exists():
        yield
        return
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"the store at {path} is in use by another WriteIt process (a TUI or `writeit serve`); close it first"
            ) from None
        yield
    finally:
        os.close(fd)


def store_in_use(path: Path) -> bool:
    try:
        with exclusive(path):
            return False
    except StoreError:
        return True


class _MapGate:
    """Shared for transactions, exclusive for resizing: LMDB forbids set_mapsize while any txn is live."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._resizing = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._resizing)
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def resize(self, env: lmdb.Environment, seen: int, grow: bool) -> None:
        """Double the map (grow) or adopt another process's size, unless someone already did since `seen`."""
        with self._cond:
            # Claiming `_resizing` first stops new transactions, so a steady stream of readers cannot starve us.
            self._cond.wait_for(lambda: not self._resizing)
            self._resizing = True
            self._cond.wait_for(lambda: self._active == 0)
            try:
                if env.info()["map_size"] == seen:
                    env.set_mapsize(seen * 2 if grow else 0)
            finally:
                self._resizing = False
                self._cond.notify_all()


_gates: weakref.WeakKeyDictionary[lmdb.Environment, _MapGate] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def _gate_for(env: lmdb.Environment) -> _MapGate:
    # One gate per environment, whoever uses it, so every transaction in the process sees resizes.
    with _gates_lock:
        gate = _gates.get(env)
        if gate is None:
            gate = _gates[env] = _MapGate()
        return gate


def transact(env: lmdb.Environment, work: Callable[[lmdb.Transaction[bytes]], T], *, write: bool = False) -> T:
    """Run `work` in one transaction (committed if `write` and no exception), and return its result.

    A full map is doubled and a map grown by another process adopted, then `work` runs again from scratch
    (it must have no side effects outside the txn). Other LMDB failures raise StoreError. Blocking: a write
    waits for its flushes, so run writes and long reads in a worker thread; never call it from inside `work`.
    """
    gate = _gate_for(env)
    for _ in range(_MAX_ATTEMPTS):
        try:
            seen = env.info()["map_size"]
            with gate.shared(), env.begin(write=write) as txn:
                result = work(txn)
            map_pages.touched(env)
            return result
        except lmdb.MapFullError:
            _resize(gate, env, seen, grow=True)
        except lmdb.MapResizedError:
            _resize(gate, env, seen, grow=False)
        except lmdb.Error as exc:
            raise StoreError(f"the store failed: {exc} (store: {_where(env)})") from exc
    raise StoreError(f"the store could not make room after {_MAX_ATTEMPTS} resizes")


def _where(env: lmdb.Environment) -> str:
    try:
        return str(env.path())
    except lmdb.Error:  # closed meanwhile
        return "closed"


def _resize(gate: _MapGate, env: lmdb.Environment, seen: int, *, grow: bool) -> None:
    try:
        gate.resize(env, seen, grow)
    except lmdb.Error as exc:
        raise StoreError(f"the store could not resize its map: {exc}") from exc
