"""Two `writeit serve` workers on one PostgreSQL database control each other's runs: a client of B cancels what A
generates, and once a killed worker's lease lapses B marks its running candidates interrupted unasked."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import TIMEOUT, Watcher, create, generate, running_server, state_of, step
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

SLOW = " ".join(f"word{n}" for n in range(600))  # 600 words a tenth of a second apart: a minute, unless stopped


@pytest.fixture(scope="module")
def models() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer({"slow": Behaviour(reply=SLOW, delay=0.1)}) as running:
        yield running


def slow_home(home: Path, models: OpenAICompatibleServer) -> Path:
    (home / "llm").mkdir(parents=True)
    models.register(home / "llm", {"srv-slow": "slow"})
    return home


def token_of(candidate_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m.get("type") == "token" and m["candidate_id"] == candidate_id


async def test_a_client_of_worker_b_cancels_a_candidate_running_on_worker_a_which_keeps_its_text(
    tmp_path: Path, postgres_database: str, models: OpenAICompatibleServer
) -> None:
    env = {"WRITEIT_STORE_URL": postgres_database}
    home_a = slow_home(tmp_path / "a", models)
    with running_server(home_a, env=env) as a, running_server(tmp_path / "b", env=env) as b:
        async with a.client() as on_a, b.client() as on_b:
            created = await create(on_a)
            pid, version = created["id"], created["version"]
            async with connect(f"{b.ws_url}/api/pipelines/{pid}/stream?after={version}") as ws:
                watcher = Watcher(ws)
                [cid] = await generate(on_a, pid, "plan", version, ["srv-slow"])
                await watcher.until(token_of(cid))  # A is generating it, and B's client sees it
                response = await on_b.post(f"/api/pipelines/{pid}/candidates/{cid}/cancel", timeout=TIMEOUT)
                assert response.status_code == 200, response.text
                assert response.json() == {"candidate_id": cid, "cancelled": True}
                await watcher.until_finished([cid])
            candidate = step(await state_of(on_a, pid), "plan")["candidates"][0]
            assert candidate["status"] == "cancelled"
            assert candidate["text"].startswith("word0")  # the text so far is kept
            assert len(candidate["text"].split()) < 600
            assert watcher.events[-1]["event"]["type"] == "CandidateCancelled"
            again = await on_b.post(f"/api/pipelines/{pid}/candidates/{cid}/cancel", timeout=TIMEOUT)
            assert again.json() == {"candidate_id": cid, "cancelled": False}  # already stopped: nothing to do
            assert (await state_of(on_b, pid))["version"] == (await state_of(on_a, pid))["version"]


async def test_a_killed_workers_candidates_are_interrupted_by_a_running_worker_once_its_lease_lapses(
    tmp_path: Path, postgres_database: str, models: OpenAICompatibleServer
) -> None:
    # A goes by another host name, so B cannot check its process: only the lease can tell B that A is gone.
    env = {"WRITEIT_STORE_URL": postgres_database, "WRITEIT_LEASE_SECONDS": "1"}
    home_a = slow_home(tmp_path / "a", models)
    with running_server(tmp_path / "b", env=env) as b:
        async with b.client() as on_b:
            with running_server(home_a, env={**env, "WRITEIT_HOST": "machine-a"}) as a:
                async with a.client() as on_a:
                    created = await create(on_a)
                    pid = created["id"]
                    async with connect(f"{b.ws_url}/api/pipelines/{pid}/stream?after={created['version']}") as ws:
                        watcher = Watcher(ws)
                        ids = await generate(on_a, pid, "plan", created["version"], ["srv-slow", "srv-slow"])
                        await watcher.until(token_of(ids[0]))
                        a.process.send_signal(signal.SIGKILL)
                        a.process.wait(timeout=30)
                        await watcher.until_finished(ids)  # no client asked: B noticed the lapsed lease
            candidates = step(await state_of(on_b, pid), "plan")["candidates"]
            assert {c["id"]: c["status"] for c in candidates} == dict.fromkeys(ids, "interrupted")
            assert {e["event"]["type"] for e in watcher.events} >= {"CandidateInterrupted"}
            again = await generate(on_b, pid, "plan", (await state_of(on_b, pid))["version"], ["echo"])
            async with connect(f"{b.ws_url}/api/pipelines/{pid}/stream") as ws:
                await Watcher(ws).until_finished(again)
            assert step(await state_of(on_b, pid), "plan")["candidates"][-1]["status"] == "completed"
