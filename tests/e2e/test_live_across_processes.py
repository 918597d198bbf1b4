"""Live across processes: a WebSocket client of `writeit serve` sees the events another process stores."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

from websockets.asyncio.client import connect

from tests.e2e.api_server import TIMEOUT, Watcher, create, running_server


async def test_a_serve_client_sees_every_event_another_process_stores_exactly_once(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        async with server.client() as client:
            state = await create(client)
            pid, version = state["id"], state["version"]
            watcher = Watcher(await connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after={version}"))
            # Another process continues the pipeline to its end (the crash tests' headless runner), on echo.
            environ = {**os.environ, "WRITEIT_HOME": str(tmp_path), "LLM_USER_PATH": str(tmp_path / "llm")}
            other = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.e2e.crash_child", "quick-article", "echo", pid,
                env=environ, cwd=Path(__file__).parents[2], stdout=subprocess.PIPE,
            )  # fmt: skip
            out, _ = await asyncio.wait_for(other.communicate(), TIMEOUT)
            assert other.returncode == 0, out
            final = (await client.get(f"/api/pipelines/{pid}")).json()["version"]
            assert final > version + 3
            await watcher.until(lambda m: m.get("type") == "event" and m["seq"] == final)
            with contextlib.suppress(TimeoutError):  # anything sent twice would arrive by now
                while True:
                    await asyncio.wait_for(watcher.next(), 0.5)
            await watcher.ws.close()
    assert watcher.seqs == list(range(version + 1, final + 1))
