"""Live across PostgreSQL workers, for benchmarks/postgres.py: how soon what worker A does reaches worker B.

- The log follower, polling every 20 ms (as before) beside woken by the event store's NOTIFY (slow poll kept):
  latency from an append by one store to a subscriber fed by the other's follower, and the CPU the follower's
  process spends idle. In one process, two databases (pools) on one workspace, so only the follower differs.
- Two real `writeit serve` on one database, a real websockets client on B: a model on A streams its clock
  (one word per 5 ms, each the time it was sent), so each token chunk B's client receives tells its latency
  from the model; each event tells its latency from the moment A recorded it (its `at`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml
from websockets.asyncio.client import connect

from benchmarks.api_load import served
from benchmarks.common import isolated_home, percentile
from benchmarks.overhead import STEPS
from benchmarks.store import streams
from writeit.adapters.postgres.control import PostgresWakeup
from writeit.adapters.postgres.database import PostgresDatabase
from writeit.adapters.postgres.event_store import PostgresEventStore
from writeit.adapters.postgres.listener import Listener
from writeit.application.follower import LogFollower
from writeit.application.hub import StreamHub

GAP = 0.005  # seconds between the clock model's words
_NUMBER = re.compile(r"\d+\.\d+")


async def follower_latency(url: str, workspace: str, count: int, *, listening: bool) -> tuple[list[float], float]:
    """(latencies in s of `count` appends, CPU share of the process while idle for a while after)."""
    writer_db = await asyncio.to_thread(PostgresDatabase(url, workspace).open)
    reader_db = await asyncio.to_thread(PostgresDatabase(url, workspace).open)
    writer, reader = PostgresEventStore(writer_db), PostgresEventStore(reader_db)
    listener = Listener(reader_db)
    wakeup = PostgresWakeup(reader_db, listener) if listening else None
    listener.start()
    hub = StreamHub()
    follower = LogFollower(reader, hub, wakeup=wakeup)
    await follower.start()
    task = asyncio.create_task(follower.run())
    latencies: list[float] = []
    try:
        assert listener.wait_listening(), "the listener did not start"
        [events] = streams(1, count)
        with hub.subscribe(events[0].pipeline_id) as subscription:
            for event in events:
                start = time.perf_counter()
                await writer.append(event.pipeline_id, [event], event.seq - 1)
                await subscription.queue.get()
                latencies.append(time.perf_counter() - start)
                await asyncio.sleep(0.007)  # out of step with the 20 ms poll
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.sleep(3.0)
        idle = (time.process_time() - cpu) / (time.perf_counter() - wall)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        listener.close()
        writer.close()
        reader.close()
        writer_db.close()
        reader_db.close()
    return latencies, idle


class _Clock(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat completion that streams `words` words, each the wall-clock time it is sent."""

    words = 100

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for _ in range(self.words):
            time.sleep(GAP)
            self._event({"delta": {"role": "assistant", "content": f"{time.time():.6f} "}, "finish_reason": None})
        self._event({"delta": {}, "finish_reason": "stop"})
        self._send(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _event(self, choice: dict[str, Any]) -> None:
        body = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "clock", "choices": [choice]}
        self._send(f"data: {json.dumps({**body, 'choices': [{'index': 0, **choice}]})}\n\n".encode())

    def _send(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


@contextmanager
def clock_model(llm_dir: Path) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Clock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    llm_dir.mkdir(parents=True, exist_ok=True)
    api = f"http://127.0.0.1:{server.server_address[1]}/v1"
    entry = {"model_id": "clock", "model_name": "clock", "api_base": api}
    (llm_dir / "extra-openai-models.yaml").write_text(yaml.safe_dump([entry]))
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


async def across_workers(url: str, rounds: int) -> tuple[list[float], list[float]]:
    """(token chunk latencies from the model on A to B's client, event latencies from A's record to B's client)."""
    os.environ["WRITEIT_STORE_URL"] = url
    chunks: list[float] = []
    events: list[float] = []
    try:
        with isolated_home() as root, clock_model(Path(os.environ["LLM_USER_PATH"])):
            (root / "a").mkdir()
            (root / "b").mkdir()
            async with (
                served(root / "a") as (on_a, _),
                served(root / "b") as (on_b, _),
                httpx.AsyncClient(base_url=on_a, timeout=60) as client,
            ):
                for n in range(rounds):
                    await _one_round(client, on_b, n, chunks if n else [], events if n else [])  # 1st: warm-up
    finally:
        del os.environ["WRITEIT_STORE_URL"]
    return chunks, events


async def _one_round(client: httpx.AsyncClient, on_b: str, n: int, chunks: list[float], events: list[float]) -> None:
    created = await client.post("/api/pipelines", json={"template": "bench-steps", "inputs": {"topic": f"t{n}"}})
    pid, version = created.json()["id"], created.json()["version"]
    async with connect(f"ws{on_b[4:]}/api/pipelines/{pid}/stream?after={version}", max_size=None) as ws:
        body = {"expected_version": version, "models": ["clock"]}
        accepted = await client.post(f"/api/pipelines/{pid}/steps/{STEPS[0]}/generate", json=body)
        assert accepted.status_code == 202, accepted.text
        async with asyncio.timeout(60):
            while True:
                message = json.loads(await ws.recv())
                now = time.time()
                if message["type"] == "token":
                    chunks += [now - float(t) for t in _NUMBER.findall(message["text"])]
                elif message["type"] == "event":
                    events.append(now - datetime.fromisoformat(message["event"]["at"]).timestamp())
                    if message["event"]["type"] in ("CandidateCompleted", "CandidateFailed"):
                        return


def summary(latencies: list[float]) -> tuple[float, float]:
    """(p50, p99) in ms."""
    return statistics.median(latencies) * 1000, percentile(latencies, 99) * 1000
