"""A full disk, for real: a write is refused with a clear error and no traceback, and everything committed before
stays readable and intact once there is room again.

Two ways to run out of room, both real kernel errors: a 2 MiB tmpfs mounted by the test and filled (ENOSPC; needs
root with CAP_SYS_ADMIN, as on this machine and in CI), and a file size limit on the writing process
(RLIMIT_FSIZE, EFBIG; works for any user). A machine where mount is refused still runs the second.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.api_server import TIMEOUT, create, generate, running_server, state_of
from tests.e2e.conftest import CLI

BULKY = """\
metadata: {name: bulky}
inputs:
  notes: {type: textarea, required: true}
steps:
  draft:
    name: Draft
    prompt_template: "Rewrite these notes: {{ inputs.notes }}"
    response_count: 2
"""
NOTES = "notes=" + "A long paragraph of raw notes, repeated. " * 1500  # ~60 KB: every append needs new pages


class Disk:
    """Where WRITEIT_HOME lives, and how to run out of room there and get it back."""

    def __init__(self, home: Path, *, mount: Path | None = None, limit: Callable[[], None] | None = None) -> None:
        self.home = home
        self._limit = limit
        self._filler = (mount or home) / "filler"
        self.full = False

    def fill(self) -> None:
        if self._limit is None:  # a tmpfs: write a file until the kernel refuses
            self._end_log_on_a_page_boundary()
            with contextlib.suppress(OSError), self._filler.open("wb") as out:
                while True:
                    out.write(b"\0" * 65536)
        self.full = True

    def _end_log_on_a_page_boundary(self) -> None:
        """So that the next log line needs a new page, which a full disk refuses, as it eventually would."""
        log = self.home / "logs" / "writeit.log"
        if log.exists():
            with log.open("a") as out:
                out.write(" " * (4095 - log.stat().st_size % 4096) + "\n")

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)
        self.full = False

    def writeit(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `writeit ARGS` with this home; while full under a size limit, the process gets the limit."""
        return subprocess.run(
            [*CLI, *args],
            env={**os.environ, "WRITEIT_HOME": str(self.home), "WRITEIT_DEFAULT_MODEL": "echo"},
            cwd=self.home.parent,
            capture_output=True,
            text=True,
            timeout=TIMEOUT * 2,
            check=False,
            preexec_fn=self._limit if self.full else None,
        )


@contextlib.contextmanager
def tmpfs(home: Path, where: Path) -> Iterator[Disk]:
    """A small tmpfs at `where` (the home itself, or a folder inside it) for WRITEIT_HOME `home`."""
    where.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True, text=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here ({mounted.stderr.strip()}); the size-limit case runs")
    try:
        yield Disk(home, mount=where)
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def size_limited(home: Path) -> Disk:
    """Files may not grow past what the store holds now: the next new page is refused with EFBIG."""

    def limit() -> None:
        store = home / "workspaces" / "default" / "store" / "data.mdb"
        size = store.stat().st_size
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return Disk(home, limit=limit)


@pytest.fixture(params=["tmpfs", "size-limit"])
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Disk]:
    if request.param == "tmpfs":
        with tmpfs(tmp_path / "home", tmp_path / "home") as mounted:  # logs and all: every write finds it full
            yield _prepared(mounted)
    else:
        yield _prepared(size_limited(tmp_path / "home"))


def _prepared(disk: Disk) -> Disk:
    (disk.home / "templates").mkdir(parents=True, exist_ok=True)
    (disk.home / "templates" / "bulky.yaml").write_text(BULKY)
    return disk


def history(disk: Disk, pipeline_id: str) -> list[dict[str, Any]]:
    exported = disk.writeit("pipelines", "export", pipeline_id, "--format", "json")
    assert exported.returncode == 0, exported.stderr
    events: list[dict[str, Any]] = json.loads(exported.stdout)["events"]
    return events


def test_a_full_disk_refuses_the_write_clearly_and_loses_nothing_committed(disk: Disk) -> None:
    before = disk.writeit("run", "bulky", "-i", NOTES, "--pick", "first", "--json")
    assert before.returncode == 0, before.stderr
    kept = json.loads(before.stdout)["id"]
    stored = history(disk, kept)

    disk.fill()
    refused = disk.writeit("run", "bulky", "-i", NOTES, "--pick", "first")
    assert refused.returncode != 0
    assert refused.stderr.startswith("error: the store failed: ")
    assert any(reason in refused.stderr for reason in ("No space left on device", "File too large"))
    assert "store: " + str(disk.home / "workspaces" / "default" / "store") in refused.stderr, "names where"
    assert "Traceback" not in refused.stderr
    assert "Logging error" not in refused.stderr
    assert len(refused.stderr.splitlines()) == 1, refused.stderr
    listed = disk.writeit("pipelines", "list", "--json")
    assert listed.returncode == 0, "reading needs no room"
    assert [p["id"] for p in json.loads(listed.stdout)] == [kept], "the refused run stored nothing"

    disk.free()
    assert history(disk, kept) == stored, "every committed event intact"
    after = disk.writeit("run", "bulky", "-i", NOTES, "--pick", "first", "--json")
    assert after.returncode == 0, after.stderr
    again = history(disk, json.loads(after.stdout)["id"])
    assert [e["seq"] for e in again] == list(range(1, len(again) + 1))


async def test_the_server_answers_503_on_a_full_disk_and_writes_again_once_there_is_room(tmp_path: Path) -> None:
    # Only the stores run out of room: the server's own output files stay writable, to be read at the end.
    with tmpfs(tmp_path / "home", tmp_path / "home" / "workspaces") as mounted:
        disk = _prepared(mounted)
        with running_server(disk.home, env={"WRITEIT_DEFAULT_MODEL": "echo"}) as server:
            async with server.client() as client:
                pid = (await create(client))["id"]
                before = (await client.get(f"/api/pipelines/{pid}/events")).json()
                disk.fill()
                refused = await client.post(
                    "/api/pipelines", json={"template": "bulky", "inputs": {"notes": NOTES[6:]}}
                )
                assert refused.status_code == 503
                assert refused.json()["detail"] == "the store could not complete the operation; nothing was changed"
                assert (await client.get(f"/api/pipelines/{pid}/events")).json() == before
                disk.free()
                [cid] = await generate(client, pid, "plan", 1, ["echo"])
                assert any(c["id"] == cid for c in (await state_of(client, pid))["steps"][0]["candidates"])
                assert len((await client.get("/api/pipelines")).json()) == 1
        assert "Traceback" not in server.logs()
