"""Two `writeit serve` workers on one PostgreSQL database, each with its own home: a client of one follows what
the other does, and a command made from a stale version on either is refused with 409."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from websockets.asyncio.client import connect

from tests.e2e.api_server import TIMEOUT, Watcher, create, generate, running_server, select, state_of, step


async def test_a_client_of_worker_b_follows_a_pipeline_generating_on_worker_a_tokens_included_and_stale_is_409(
    tmp_path: Path, postgres_database: str
) -> None:
    env = {"WRITEIT_STORE_URL": postgres_database}
    with running_server(tmp_path / "a", env=env) as a, running_server(tmp_path / "b", env=env) as b:
        async with a.client() as on_a, b.client() as on_b:
            created = await create(on_a, topic="Shared across workers")
            pid, version = created["id"], created["version"]
            assert (await state_of(on_b, pid))["version"] == version  # B reads what A stored
            async with connect(f"{b.ws_url}/api/pipelines/{pid}/stream?after={version}") as ws:
                watcher = Watcher(ws)
                first = "plan"
                ids = await generate(on_a, pid, first, version, ["echo", "markov"])
                await watcher.until_finished(ids)
                final = (await state_of(on_a, pid))["version"]
                if final not in watcher.seqs:
                    await watcher.until(lambda m: m.get("type") == "event" and m["seq"] == final)
                with contextlib.suppress(TimeoutError):  # anything sent twice would arrive by now
                    while True:
                        await asyncio.wait_for(watcher.next(), 0.5)
            assert watcher.seqs == list(range(version + 1, final + 1))
            assert {m["event"]["type"] for m in watcher.events} == {"StepStarted", "CandidateCompleted"}
            texts = {m["event"]["candidate_id"]: m["event"]["text"] for m in watcher.events if "text" in m["event"]}
            streamed = "".join(t["text"] for t in watcher.tokens if t["candidate_id"] == ids[1])
            assert streamed == texts[ids[1]] != ""  # markov's words, streamed on A, reached B's client as tokens

            stale = {"candidate_id": ids[0], "expected_version": version}
            refused = await on_b.post(f"/api/pipelines/{pid}/steps/{first}/select", json=stale, timeout=TIMEOUT)
            assert refused.status_code == 409, refused.text
            assert (await state_of(on_a, pid))["version"] == final  # nothing stored by the refused command
            chosen = await select(on_b, pid, first, ids[1], final)
            assert (await state_of(on_a, pid))["version"] == chosen["version"] == final + 1


async def test_the_candidates_of_a_worker_killed_mid_generation_are_interrupted_by_the_next_worker_on_its_machine(
    tmp_path: Path, postgres_database: str
) -> None:
    env = {"WRITEIT_STORE_URL": postgres_database}
    with running_server(tmp_path / "b", env=env) as b:
        async with b.client() as on_b:
            with running_server(tmp_path / "a", env=env) as a:
                async with a.client() as on_a:
                    created = await create(on_a)
                    pid = created["id"]
                    ids = await generate(on_a, pid, "plan", created["version"], ["markov", "markov"])
                    await asyncio.sleep(0.3)  # markov streams a word every 20 ms: both are mid-answer now
                a.process.send_signal(signal.SIGKILL)
                a.process.wait(timeout=30)
            statuses = {c["status"] for c in step(await state_of(on_b, pid), "plan")["candidates"]}
            assert statuses == {"pending"}  # its lease (30 s by default) has not lapsed yet: B waits for it
            async with connect(
                f"{b.ws_url}/api/pipelines/{pid}/stream?after={(await state_of(on_b, pid))['version']}"
            ) as ws:
                watcher = Watcher(ws)
                with running_server(tmp_path / "c", env=env):  # the next WriteIt on A's machine opens the store
                    await watcher.until_finished(ids)
            candidates = step(await state_of(on_b, pid), "plan")["candidates"]
            assert {c["id"]: c["status"] for c in candidates} == dict.fromkeys(ids, "interrupted")
            again = await generate(on_b, pid, "plan", (await state_of(on_b, pid))["version"], ["echo"])
            async with connect(f"{b.ws_url}/api/pipelines/{pid}/stream") as ws:
                await Watcher(ws).until_finished(again)
            assert step(await state_of(on_b, pid), "plan")["candidates"][-1]["status"] == "completed"
