"""A real `writeit serve` (uvicorn) on 127.0.0.1 in a subprocess, and a WebSocket watcher for the tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection

TIMEOUT = 60.0  # generous: the machine is shared and loaded
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")
Message = dict[str, Any]


@dataclass
class ApiServer:
    url: str
    process: subprocess.Popen[bytes]
    logs_dir: Path
    token: str | None = None

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token.strip()}"} if self.token else {}

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=self.headers, timeout=TIMEOUT)

    def logs(self) -> str:
        return "".join((self.logs_dir / name).read_text(errors="replace") for name in ("stdout", "stderr"))

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit code (killed after a long grace period)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "writeit", "serve", *args]


@contextlib.contextmanager
def running_server(home: Path, *, token: str | None = None, env: dict[str, str] | None = None) -> Iterator[ApiServer]:
    """Start `writeit serve --port 0` with `home` as WRITEIT_HOME (and its own llm dir); SIGTERM it at the end."""
    logs = home / "server-logs"
    logs.mkdir(parents=True, exist_ok=True)
    environ = {**os.environ, "WRITEIT_HOME": str(home), "LLM_USER_PATH": str(home / "llm"), **(env or {})}
    environ.pop("WRITEIT_API_TOKEN", None)
    if token:
        environ["WRITEIT_API_TOKEN"] = token
    with (logs / "stdout").open("wb") as out, (logs / "stderr").open("wb") as err:
        process = subprocess.Popen(serve_command("--port", "0"), stdout=out, stderr=err, env=environ, cwd=home)
    server = ApiServer(url="", process=process, logs_dir=logs, token=token)
    try:
        server.url = _wait_listening(server)
        _wait_healthy(server)
        yield server
    finally:
        server.stop()


def _wait_listening(server: ApiServer) -> str:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = _LISTENING.search((server.logs_dir / "stdout").read_text(errors="replace"))
        if found:
            return found.group(1)
        if server.process.poll() is not None:
            raise AssertionError(f"writeit serve exited with {server.process.returncode}:\n{server.logs()}")
        time.sleep(0.05)
    raise AssertionError(f"writeit serve did not start within {TIMEOUT} s:\n{server.logs()}")


def _wait_healthy(server: ApiServer) -> None:
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            if httpx.get(server.url + "/api/health", headers=server.headers, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


@dataclass
class Watcher:
    """Reads a pipeline's WebSocket, keeping every event and token chunk it received, in order."""

    ws: ClientConnection
    events: list[Message] = field(default_factory=list)
    tokens: list[Message] = field(default_factory=list)
    received: list[Message] = field(default_factory=list)

    async def next(self) -> Message:
        message: Message = json.loads(await self.ws.recv())
        self.received.append(message)
        if message["type"] == "event":
            self.events.append(message)
        elif message["type"] == "token":
            self.tokens.append(message)
        return message

    async def until(self, done: Callable[[Message], bool], limit: float = TIMEOUT) -> Message:
        """Read until a message satisfies `done`; return it."""
        async with asyncio.timeout(limit):
            while True:
                message = await self.next()
                if done(message):
                    return message

    async def until_finished(self, candidate_ids: list[str], limit: float = TIMEOUT) -> None:
        """Read until each candidate has an outcome event (completed, failed, cancelled)."""
        waiting = set(candidate_ids)
        outcomes = {"CandidateCompleted", "CandidateFailed", "CandidateCancelled", "CandidateInterrupted"}

        def finished(message: Message) -> bool:
            event = message.get("event", {})
            if event.get("type") in outcomes:
                waiting.discard(event.get("candidate_id"))
            return not waiting

        if waiting:
            await self.until(finished, limit)

    @property
    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.events]


def event_type(name: str) -> Callable[[Message], bool]:
    return lambda message: message.get("type") == "event" and message["event"]["type"] == name


# ----- REST helpers ------------------------------------------------------------------------------
async def create(client: httpx.AsyncClient, topic: str = "Event sourcing") -> dict[str, Any]:
    response = await client.post("/api/pipelines", json={"template": "quick-article", "inputs": {"topic": topic}})
    assert response.status_code == 201, response.text
    state: dict[str, Any] = response.json()
    return state


async def generate(client: httpx.AsyncClient, pid: str, step: str, version: int, models: list[str]) -> list[str]:
    body = {"expected_version": version, "models": models}
    response = await client.post(f"/api/pipelines/{pid}/steps/{step}/generate", json=body)
    assert response.status_code == 202, response.text
    ids: list[str] = response.json()["candidate_ids"]
    return ids


async def select(client: httpx.AsyncClient, pid: str, step: str, candidate: str, version: int) -> dict[str, Any]:
    body = {"candidate_id": candidate, "expected_version": version}
    response = await client.post(f"/api/pipelines/{pid}/steps/{step}/select", json=body)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


async def state_of(client: httpx.AsyncClient, pid: str, branch: str | None = None) -> dict[str, Any]:
    response = await client.get(f"/api/pipelines/{pid}", params={"branch": branch} if branch else None)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def step(state: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in state["steps"] if s["key"] == key)
    return found
