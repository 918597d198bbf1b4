"""Backup and restore of a workspace's LMDB store: one consistent, compacted copy of the environment."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import lmdb

from writeit.adapters.lmdb.environment import exclusive
from writeit.application.errors import StoreError


def backup_environment(env: lmdb.Environment, target: Path) -> int:
    """Copy the live environment to `target` (a new directory) in one read transaction; return its size."""
    if target.exists() and any(target.iterdir()):
        raise StoreError(f"{target} is not empty; choose a new directory for the backup")
    target.mkdir(parents=True, exist_ok=True)
    try:
        env.copy(str(target), compact=True)
    except lmdb.Error as exc:
        raise StoreError(f"backup to {target} failed: {exc}") from None
    return sum(p.stat().st_size for p in target.iterdir())


def restore_environment(source: Path, store: Path) -> Path | None:
    """Replace the store at `store` with the backup at `source`; the old store is kept beside it.

    Returns where the previous store was moved (None if there was none). Refuses a source that is not a
    readable LMDB environment holding WriteIt's events, so a bad path never replaces good data.
    """
    _check_backup(source)
    # Copy beside the store first, so a failed copy never leaves a partial store in its place.
    incoming = store.with_name(f"{store.name}.restoring")
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    shutil.copy2(source / "data.mdb", incoming / "data.mdb")
    previous = None
    with exclusive(store):
        if store.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            previous = store.with_name(f"{store.name}.before-restore-{stamp}")
            store.rename(previous)
        incoming.rename(store)
    return previous


def _check_backup(source: Path) -> None:
    if not (source / "data.mdb").is_file():
        raise StoreError(f"{source} is not a WriteIt backup (no data.mdb in it)")
    try:
        env = lmdb.open(str(source), readonly=True, lock=False, max_dbs=16, subdir=True)
    except lmdb.Error as exc:
        raise StoreError(f"{source} is not a readable LMDB backup: {exc}") from None
    try:
        with env.begin() as txn:
            if txn.get(b"events") is None:
                raise StoreError(f"{source} holds no WriteIt events")
    finally:
        env.close()
