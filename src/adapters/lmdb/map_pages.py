"""Give back the pages of the LMDB map a process has read: they count in its RSS until the kernel needs them.

LMDB reads through a shared read-only map of data.mdb, so every page a process ever read stays in its
resident set (`writeit serve` after opening 1,000 pipelines: 226 MB of map pages beside 56 MB of its own).
Every so many transactions the map is advised MADV_DONTNEED: the pages leave the process's page tables and
stay in the page cache, so reading one again is a minor fault. For a shared file mapping the data is the
file's, whatever another thread reads meanwhile (it faults the same page back in); LMDB never rewrites a
page a live reader can reach. Linux only; elsewhere nothing is done.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import lmdb

EVERY = 128  # transactions between releases: a release costs about a microsecond a mapped page
_MADV_DONTNEED = 4
_counts: dict[int, int] = {}
_lock = threading.Lock()
_madvise: Any = None


def touched(env: lmdb.Environment) -> None:
    """Count one transaction on `env`; every EVERY of them, release the map's resident pages."""
    if sys.platform != "linux":
        return
    key = id(env)
    with _lock:
        count = _counts[key] = _counts.get(key, 0) + 1
        if count % EVERY:
            return
    release(env)


def release(env: lmdb.Environment) -> int:
    """Drop the map's pages from this process's resident set; returns how many bytes of map were advised."""
    data = str(Path(env.path()) / "data.mdb")
    advised = 0
    for start, end in _ranges(data):
        if _libc_madvise()(start, end - start, _MADV_DONTNEED) == 0:
            advised += end - start
    return advised


def _ranges(path: str) -> list[tuple[int, int]]:
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            if line.rstrip("\n").endswith(" " + path):
                start, _, end = line.partition(" ")[0].partition("-")
                found.append((int(start, 16), int(end, 16)))
    return found


def _libc_madvise() -> Any:
    global _madvise
    if _madvise is None:
        import ctypes  # only once a process has read enough to release: a short command never imports it

        madvise = ctypes.CDLL(None, use_errno=True).madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _madvise = madvise
    return _madvise
