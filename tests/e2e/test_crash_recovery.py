"""SIGKILL at random moments: every acknowledged event survives, nothing is partial, and the pipeline goes on."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from writeit.entrypoints.cli.common import open_container

KILLS = int(os.environ.get("WRITEIT_CRASH_KILLS", "40" if os.environ.get("WRITEIT_HEAVY") else "4"))


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.crash_child", "tech-article", "markov", *args],
        cwd=Path(__file__).parents[2],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_after(child: subprocess.Popen[str], seconds: float) -> tuple[str | None, set[int]]:
    time.sleep(seconds)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=30)
    pipeline = next((line.split()[1] for line in out.splitlines() if line.startswith("pipeline ")), None)
    return pipeline, {int(line.split()[1]) for line in out.splitlines() if line.startswith("ack ")}


async def _stored(pipeline_id: str) -> list[int]:
    async with open_container() as container:
        return [e.seq for e in await container.pipelines().events(pipeline_id)]


async def test_killed_runs_keep_every_acknowledged_event_and_can_continue() -> None:
    rng = random.Random(int(os.environ.get("WRITEIT_CRASH_SEED", "7")))
    pipeline: str | None = None
    kills = 0
    while kills < KILLS:
        child = _start(*([pipeline] if pipeline else []))
        started_as, acked = _kill_after(child, rng.uniform(0.4, 2.5))
        pipeline = pipeline or started_as
        if pipeline is None:
            continue  # killed before the pipeline existed: nothing was acknowledged
        kills += 1
        stored = await _stored(pipeline)
        assert stored == list(range(1, len(stored) + 1)), "events are contiguous: none partial, none missing"
        assert acked <= set(stored), f"acknowledged events lost: {sorted(acked - set(stored))}"
    assert pipeline is not None
    finish = _start(pipeline)
    out, err = finish.communicate(timeout=300)
    assert finish.returncode == 0, err[-2000:]
    assert "done" in out
    async with open_container() as container:
        view = await container.pipelines().get(pipeline)
        events = await container.pipelines().events(pipeline)
    assert view.completed
    assert any(type(e).__name__ == "CandidateInterrupted" for e in events), "a kill mid-step left candidates to mark"
    statuses = {c.status for s in view.steps for c in s.candidates}
    assert "pending" not in statuses
