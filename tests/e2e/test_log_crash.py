"""kill -9 between group-committed batches: the global log stays gapless and names every stored event once."""

from __future__ import annotations

from pathlib import Path

from tests.contract.test_event_stores import lmdb_store
from tests.e2e.test_store_crash import KILLS, kill_9_repeatedly


async def _check_log(path: Path) -> None:
    with lmdb_store(path) as (_, store):
        logged = await store.read_all(limit=1 << 30)
        assert [e.position for e in logged] == list(range(1, len(logged) + 1))
        assert await store.last_position() == len(logged)
        stored = [event for pid in await store.pipeline_ids() for event in await store.read(pid)]
        assert sorted((e.event.pipeline_id, e.event.seq) for e in logged) == sorted(
            (e.pipeline_id, e.seq) for e in stored
        )


def test_after_each_kill_9_the_global_log_is_gapless_and_names_every_stored_event_once(tmp_path: Path) -> None:
    acked = kill_9_repeatedly(tmp_path / "store", lambda path, _: _check_log(path))
    assert sum(acked.values()) > KILLS
