"""kill -9 `writeit serve` mid-generation and start it again: with no client command, its candidates show as
interrupted, and the listing shows no step still generating."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.e2e.api_server import create, generate, running_server, state_of, step


async def test_a_restarted_serve_shows_every_candidate_of_the_killed_one_interrupted_without_a_request(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path) as server:
        async with server.client() as client:
            state = await create(client)
            ids = await generate(client, state["id"], "plan", state["version"], ["markov", "markov", "markov"])
            await asyncio.sleep(0.3)  # markov streams a word every 20 ms: all are mid-answer now
            assert {c["status"] for c in step(await state_of(client, state["id"]), "plan")["candidates"]} == {"pending"}
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=30)
    with running_server(tmp_path) as server:
        async with server.client() as client:
            listed = (await client.get("/api/pipelines")).json()
            candidates = step(await state_of(client, state["id"]), "plan")["candidates"]
    assert {c["id"]: c["status"] for c in candidates} == dict.fromkeys(ids, "interrupted")
    assert [s["id"] for s in listed] == [state["id"]]
    assert "Traceback" not in server.logs()
