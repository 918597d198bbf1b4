"""Stopping `writeit serve` mid-step: it exits at once and keeps every running candidate's text, cancelled."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.api_server import create, generate, running_server


async def test_sigterm_mid_step_cancels_running_candidates_and_keeps_them(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        async with server.client() as client:
            state = await create(client)
            ids = await generate(client, state["id"], "plan", state["version"], ["markov", "markov"])
            await asyncio.sleep(0.5)  # markov streams a word every 20 ms: both are mid-answer now
        assert server.stop() == 0
    assert "Traceback" not in server.logs()
    shown = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "writeit", "pipelines", "show", state["id"], "--json"],
        env={**os.environ, "WRITEIT_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    candidates = {c["id"]: c for c in json.loads(shown.stdout)["steps"][0]["candidates"]}
    assert set(candidates) == set(ids)
    assert {c["status"] for c in candidates.values()} == {"cancelled"}
    assert any(c["text"] for c in candidates.values()), "the text produced before the stop is kept"
