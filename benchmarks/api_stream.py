"""Streaming: chunks/s from a model to a WebSocket client over real uvicorn, beside iterating the model directly.

`python -m benchmarks.api_stream [tiny|full]`. The server is `writeit serve` in a subprocess (with a fast in-process
`llm` model registered); the client is the `websockets` library. Both figures use the same model and chunk count.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import llm
from websockets.asyncio.client import connect

from benchmarks.common import Row, at_least, isolated_home, main, scaled, wait_listening

MODEL_ID = "bench-stream"
CHUNK = "tok "
CHUNKS_ENV = "WRITEIT_BENCH_CHUNKS"
TARGET = 20_000


def _chunks() -> int:
    return int(os.environ.get(CHUNKS_ENV, "1000"))


class _Shared:
    model_id = MODEL_ID
    can_stream = True


class BenchStream(_Shared, llm.Model):
    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any = None) -> Iterator[str]:
        for _ in range(_chunks()):
            yield CHUNK


class BenchStreamAsync(_Shared, llm.AsyncModel):
    async def execute(
        self, prompt: Any, stream: bool, response: Any, conversation: Any = None
    ) -> AsyncGenerator[str, None]:
        for _ in range(_chunks()):
            await asyncio.sleep(0)  # as a network model's chunks do, each arrives after an await
            yield CHUNK


class _Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(BenchStream(), BenchStreamAsync())


def register() -> None:
    if llm.plugins.pm.get_plugin("writeit-bench-stream") is None:
        llm.plugins.pm.register(_Plugin(), name="writeit-bench-stream")


async def direct(chunks: int) -> float:
    """Chunks/s iterating the model's async stream in-process, nothing else."""
    os.environ[CHUNKS_ENV] = str(chunks)
    register()
    model = llm.get_async_model(MODEL_ID)
    start = time.perf_counter()
    count = 0
    async for _ in model.prompt("go"):
        count += 1
    elapsed = time.perf_counter() - start
    assert count == chunks, f"the model gave {count} chunks, not {chunks}"
    return chunks / elapsed


async def over_websocket(url: str, chunks: int) -> float:
    """Model chunks/s from the generate request until the client holds the last chunk and the completion event."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        created = await client.post("/api/pipelines", json={"template": "quick-article", "inputs": {"topic": "x"}})
        pid = created.json()["id"]
        stream = f"ws{url[4:]}/api/pipelines/{pid}/stream?after=1"
        async with connect(stream, max_size=None) as ws:
            start = time.perf_counter()
            body = {"expected_version": 1, "models": [MODEL_ID]}
            accepted = await client.post(f"/api/pipelines/{pid}/steps/plan/generate", json=body)
            assert accepted.status_code == 202, accepted.text
            count = await _count_tokens(ws)
            elapsed = time.perf_counter() - start
    assert count == chunks, f"the client received {count} chunks, not {chunks}"
    return chunks / elapsed


async def _count_tokens(ws: Any) -> int:
    count = 0
    async for raw in ws:
        message = json.loads(raw)
        if message["type"] == "token":
            count += message["text"].count(CHUNK)  # a message carries every chunk queued behind the first
        elif message["type"] == "event" and message["event"]["type"] in ("CandidateCompleted", "CandidateFailed"):
            assert message["event"]["type"] == "CandidateCompleted", message
            return count
    raise AssertionError("the stream closed before the candidate completed")


@asynccontextmanager
async def served(home: Path, chunks: int) -> AsyncIterator[str]:
    """`writeit serve` on a free loopback port, in a subprocess that also registers the benchmark model."""
    log = home / "server.log"
    process = _spawn(home, chunks, log)
    try:
        yield await wait_listening(process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _spawn(home: Path, chunks: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, CHUNKS_ENV: str(chunks), "WRITEIT_HOME": str(home / "home")}
    env.pop("WRITEIT_API_TOKEN", None)
    with log.open("wb") as out:
        command = [sys.executable, "-m", "benchmarks.api_stream", "serve"]
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


async def _measure(size: str) -> tuple[float, float]:
    chunks = scaled(size, 2_000, 100_000)
    repeats = scaled(size, 1, 3)
    with isolated_home() as root:
        async with served(root, chunks) as url:
            await over_websocket(url, chunks)  # warm up: plugins loaded, code paths hot
            ws_rates = [await over_websocket(url, chunks) for _ in range(repeats)]
        direct_rates = [await direct(chunks) for _ in range(repeats)]
    return sorted(ws_rates)[len(ws_rates) // 2], sorted(direct_rates)[len(direct_rates) // 2]


def run(size: str) -> list[Row]:
    ws_rate, direct_rate = asyncio.run(_measure(size))
    print(f"over WebSocket: {ws_rate:,.0f} chunks/s; model iterated directly: {direct_rate:,.0f} chunks/s")
    print(f"ratio (WebSocket / direct): {ws_rate / direct_rate:.3f}")
    return [
        Row(
            name="stream: model → WebSocket client (real uvicorn)",
            value=ws_rate,
            unit="chunks/s",
            reference="the same model iterated directly",
            ref_value=direct_rate,
            target=f"≥ {TARGET:,} chunks/s",
            met=at_least(ws_rate, TARGET),
        )
    ]


def _serve() -> None:
    from writeit.entrypoints.api.server import serve

    register()
    serve("127.0.0.1", 0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        _serve()
    else:
        main(run)
