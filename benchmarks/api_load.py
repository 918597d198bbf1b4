"""Item 7: 100 pipelines driven at once through the real API (uvicorn, echo): errors, and select latency p50/p99.

The reference is the same journey for one pipeline alone, on the same server in the same run. The client is a
minimal HTTP/1.1 one (a keep-alive connection per pipeline) plus the `websockets` library: httpx spent three
times the server's CPU on 100 concurrent journeys, so on two cores it measured itself more than the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import connect

from benchmarks.common import Row, isolated_home, main, percentile, scaled, wait_listening
from benchmarks.overhead import STEPS, TEMPLATE


@dataclass
class Tally:
    selects: list[float] = field(default_factory=list)
    steps: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.selects += other.selects
        self.steps += other.steps
        self.errors += other.errors


class Http:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads JSON back (FastAPI sends Content-Length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader, self._writer, self._host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Http:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, parts.netloc)  # a loopback Host: the server refuses others without a token

    async def post(self, path: str, body: dict[str, Any], expected: int) -> dict[str, Any]:
        data = json.dumps(body).encode()
        head = f"POST {path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(data)}"
        self._writer.write(head.encode() + b"\r\n\r\n" + data)
        status = int((await self._reader.readline()).split()[1])
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        answer = await self._reader.readexactly(length)
        if status != expected:
            raise RuntimeError(f"POST {path}: {status} {answer[:120]!r}")
        return dict(json.loads(answer))

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


async def _journey(url: str, n: int, tally: Tally) -> None:
    """One pipeline through all four steps: generate on echo, wait for its candidate on the WebSocket, select."""
    http = await Http.open(url)
    try:
        created = await http.post("/api/pipelines", {"template": "bench-steps", "inputs": {"topic": f"t{n}"}}, 201)
        pid, version = created["id"], created["version"]
        async with connect(f"ws{url[4:]}/api/pipelines/{pid}/stream?after={version}", max_size=None) as ws:
            for step in STEPS:
                body = {"expected_version": version, "models": ["echo"]}
                accepted = await http.post(f"/api/pipelines/{pid}/steps/{step}/generate", body, 202)
                cid = accepted["candidate_ids"][0]
                version = await _completed(ws, cid)
                start = time.perf_counter()
                body = {"candidate_id": cid, "expected_version": version}
                selected = await http.post(f"/api/pipelines/{pid}/steps/{step}/select", body, 200)
                tally.selects.append(time.perf_counter() - start)
                version = selected["version"]
                tally.steps += 1
    except Exception as exc:  # every failure is a figure here, not a crash of the benchmark
        tally.errors.append(f"{type(exc).__name__}: {exc}"[:200])
    finally:
        await http.close()


async def _completed(ws: Any, candidate_id: str) -> int:
    """The pipeline's version once `candidate_id` has completed (its event's seq)."""
    async for raw in ws:
        message = json.loads(raw)
        event = message.get("event") or {}
        if message.get("type") == "event" and event.get("candidate_id") == candidate_id:
            if event["type"] == "CandidateCompleted":
                return int(message["seq"])
            if event["type"] in ("CandidateFailed", "CandidateCancelled", "CandidateInterrupted"):
                raise RuntimeError(f"candidate {candidate_id}: {event['type']}")
    raise RuntimeError("the stream closed before the candidate completed")


async def _drive(url: str, pipelines: int, server_pid: int) -> tuple[Tally, float, float]:
    """(tally, wall seconds, server CPU seconds) of `pipelines` journeys run at once."""
    tally = Tally()
    cpu, start = _cpu_seconds(server_pid), time.perf_counter()
    await asyncio.gather(*(_journey(url, n, tally) for n in range(pipelines)))
    return tally, time.perf_counter() - start, _cpu_seconds(server_pid) - cpu


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@asynccontextmanager
async def served(root: Path) -> AsyncIterator[tuple[str, int]]:
    """`writeit serve` on a free loopback port, in a process of its own, with the benchmark's template."""
    log = root / "server.log"
    process = _spawn(root, log)
    try:
        yield await wait_listening(process, log), process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _spawn(root: Path, log: Path) -> subprocess.Popen[bytes]:
    home = root / "home"
    (home / "templates").mkdir(parents=True, exist_ok=True)
    (home / "templates" / "bench-steps.yaml").write_text(TEMPLATE)
    env = {**os.environ, "WRITEIT_HOME": str(home)}
    env.pop("WRITEIT_API_TOKEN", None)
    with log.open("wb") as out:
        command = [sys.executable, "-m", "writeit", "serve", "--port", "0"]
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


@dataclass
class Measured:
    alone: Tally
    alone_s: float
    many: Tally
    many_s: float
    many_cpu: float


async def _measure(pipelines: int, alone_runs: int) -> Measured:
    with isolated_home() as root:
        async with served(root) as (url, pid):
            await _drive(url, 1, pid)  # warm: plugins loaded, model looked up, template parsed
            alone, alone_s = Tally(), 0.0
            for _ in range(alone_runs):  # one pipeline at a time, for a baseline of several selects
                one, seconds, _ = await _drive(url, 1, pid)
                alone.add(one)
                alone_s += seconds
            many, many_s, many_cpu = await _drive(url, pipelines, pid)
    return Measured(alone, alone_s, many, many_s, many_cpu)


def run(size: str) -> list[Row]:
    pipelines = scaled(size, 5, 100)
    m = asyncio.run(_measure(pipelines, scaled(size, 1, 10)))
    for error in sorted(set(m.many.errors + m.alone.errors))[:5]:
        print(f"error: {error}")
    label = f"{pipelines} concurrent pipelines"
    selects, alone = m.many.selects, m.alone.selects
    return [
        Row(f"API on echo, {label} × 4 steps: failed journeys", len(m.many.errors), "errors", target="0",
            met=not m.many.errors),
        Row(f"API select latency p50, {label}", percentile(selects, 50) * 1000, "ms", "one pipeline alone",
            percentile(alone, 50) * 1000),
        Row(f"API select latency p99, {label}", percentile(selects, 99) * 1000, "ms", "one pipeline alone",
            percentile(alone, 99) * 1000),
        Row(f"API steps/s (generate, wait, select), {label}", m.many.steps / m.many_s, "steps/s",
            "one pipeline alone", m.alone.steps / m.alone_s),
        Row(f"API server CPU per step, {label}", m.many_cpu / max(m.many.steps, 1) * 1000, "ms"),
    ]  # fmt: skip


if __name__ == "__main__":
    main(run)
