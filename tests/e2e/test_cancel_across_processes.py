"""Two processes on one LMDB store (here two `writeit serve` on one home, as a TUI and a serve would be): a
client of one cancels a candidate the other is generating; the request travels through the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import TIMEOUT, Watcher, create, generate, running_server, state_of, step
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

SLOW = " ".join(f"word{n}" for n in range(600))  # a minute's answer, unless stopped


@pytest.fixture
def models() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer({"slow": Behaviour(reply=SLOW, delay=0.1)}) as running:
        yield running


async def test_a_serve_cancels_a_candidate_another_process_on_the_same_lmdb_store_is_generating(
    tmp_path: Path, models: OpenAICompatibleServer
) -> None:
    env = {"WRITEIT_HOME": str(tmp_path / "home")}
    (tmp_path / "a" / "llm").mkdir(parents=True)
    models.register(tmp_path / "a" / "llm", {"srv-slow": "slow"})
    with running_server(tmp_path / "a", env=env) as a, running_server(tmp_path / "b", env=env) as b:
        async with a.client() as on_a, b.client() as on_b:
            created = await create(on_a)
            pid, version = created["id"], created["version"]
            async with connect(f"{b.ws_url}/api/pipelines/{pid}/stream?after={version}") as ws:
                watcher = Watcher(ws)
                [cid] = await generate(on_a, pid, "plan", version, ["srv-slow"])
                await watcher.until(lambda m: m.get("type") == "event" and m["event"]["type"] == "StepStarted")
                response = await on_b.post(f"/api/pipelines/{pid}/candidates/{cid}/cancel", timeout=TIMEOUT)
                assert response.status_code == 200, response.text
                assert response.json() == {"candidate_id": cid, "cancelled": True}
            candidate = step(await state_of(on_b, pid), "plan")["candidates"][0]
            assert candidate["status"] == "cancelled"
            assert len(candidate["text"].split()) < 600
