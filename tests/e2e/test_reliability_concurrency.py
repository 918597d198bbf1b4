"""Concurrency: many clients racing on one pipeline version, and several processes writing one store at once."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.api_server import TIMEOUT, ApiServer, Watcher, create, generate, running_server, select, state_of
from tests.e2e.conftest import CLI
from tests.e2e.test_tui_terminal import Terminal

HEAVY = bool(os.environ.get("WRITEIT_HEAVY"))  # `make test-heavy`: more clients, more rounds
CLIENTS = 50 if HEAVY else 20
ROUNDS = 20 if HEAVY else 3  # each round races every kind of command against the version the previous round left
GROUP = {
    "select": ["CandidateSelected"],
    "edit": ["CandidateEdited", "CandidateSelected"],
    "fork": ["BranchForked", "BranchSwitched"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("api-races")) as running:
        yield running


async def finished_step(server: ApiServer, client: httpx.AsyncClient, pid: str, key: str, models: list[str]) -> int:
    """Generate `key` with `models`, wait for every outcome; return the pipeline's version after."""
    async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
        version = (await state_of(client, pid))["version"]
        await Watcher(ws).until_finished(await generate(client, pid, key, version, models))
    return int((await state_of(client, pid))["version"])


async def unselected(client: httpx.AsyncClient, pid: str) -> list[str]:
    """The write step's completed candidates other than its selection: selecting the selection again is a no-op
    (200, no event), which would not be a contender in the race."""
    write = (await state_of(client, pid))["steps"][1]
    return [c["id"] for c in write["candidates"] if c["status"] == "completed" and c["id"] != write["selected"]]


def racers(pid: str, candidates: list[str], version: int, round_no: int) -> list[tuple[str, str, dict[str, Any]]]:
    """CLIENTS commands, all claiming `version`: selects of each candidate, edits and forks, interleaved."""
    base = f"/api/pipelines/{pid}"
    commands = []
    for n in range(CLIENTS):
        kind = ("select", "edit", "fork")[n % 3]
        cid = candidates[n % len(candidates)]
        if kind == "select":
            commands.append((kind, f"{base}/steps/write/select", {"candidate_id": cid}))
        elif kind == "edit":
            commands.append((kind, f"{base}/steps/write/edit", {"candidate_id": cid, "text": f"edit {n}"}))
        else:
            commands.append((kind, f"{base}/fork", {"from_step": "write", "name": f"race-{round_no}-{n}"}))
    return [(kind, url, {**body, "expected_version": version}) for kind, url, body in commands]


async def race(server: ApiServer, commands: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    """Every command from a client of its own (its own connection), all released at once."""
    clients = [server.client() for _ in commands]
    try:
        await asyncio.gather(*(c.get("/api/health") for c in clients))  # connected before the start line
        return list(
            await asyncio.gather(*(c.post(url, json=body) for c, (_, url, body) in zip(clients, commands, strict=True)))
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def test_many_clients_racing_on_one_version_give_one_winner_and_one_event_group(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        await finished_step(server, client, pid, "plan", ["echo"])
        plan = (await state_of(client, pid))["steps"][0]["candidates"][0]["id"]
        await select(client, pid, "plan", plan, (await state_of(client, pid))["version"])
        version = await finished_step(server, client, pid, "write", ["echo", "echo", "echo"])
        for round_no in range(ROUNDS):
            commands = racers(pid, await unselected(client, pid), version, round_no)
            responses = await race(server, commands)
            codes = [r.status_code for r in responses]
            winners = [i for i, code in enumerate(codes) if code < 300]
            assert len(winners) == 1, codes
            assert sorted(codes)[1:] == [409] * (CLIENTS - 1), codes
            assert all("reload and retry" in r.json()["detail"] for r in responses if r.status_code == 409)
            won = responses[winners[0]].json()
            events = (await client.get(f"/api/pipelines/{pid}/events", params={"after": version})).json()
            assert [e["seq"] for e in events] == list(range(version + 1, won["version"] + 1)), "one group, whole"
            assert [e["type"] for e in events] == GROUP[commands[winners[0]][0]], "the winner's events, once"
            version = won["version"]
            if commands[winners[0]][0] == "fork":  # the next round races on the new branch's own candidates
                version = await finished_step(server, client, pid, "write", ["echo", "echo"])
        stored = (await client.get(f"/api/pipelines/{pid}/events")).json()
        assert [e["seq"] for e in stored] == list(range(1, len(stored) + 1)), "no gap, no duplicate"
        assert stored[-1]["seq"] == (await state_of(client, pid))["version"]


DUET = """\
metadata: {name: duet}
inputs:
  topic: {type: text, required: true}
steps:
  plan: {name: Plan, prompt_template: "Plan {{ inputs.topic }}", models: [markov, echo]}
  write: {name: Write, prompt_template: "Write {{ steps.plan }}", models: [markov, echo]}
"""  # markov streams for about two seconds a step: long enough for the processes' writes to interleave
SERVED = "Served while others write"


def with_duet(home: Path) -> Path:
    (home / "templates").mkdir(exist_ok=True)
    (home / "templates" / "duet.yaml").write_text(DUET)
    return home


def cli_run(home: Path, topic: str) -> subprocess.Popen[str]:
    """`writeit run` on the same home (so the same workspace store) as the server, in a process of its own."""
    args = ["run", "duet", "-i", f"topic={topic}", "--pick", "longest"]
    return subprocess.Popen(
        [*CLI, *args, "--json", "-o", str(home / f"{topic}.md")],
        env={**os.environ, "WRITEIT_HOME": str(home), "LLM_USER_PATH": str(home / "llm")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def start_duet(client: httpx.AsyncClient) -> str:
    created = await client.post("/api/pipelines", json={"template": "duet", "inputs": {"topic": SERVED}})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def drive_through_the_api(server: ApiServer, client: httpx.AsyncClient, pid: str) -> list[int]:
    """Take a duet pipeline through its steps by the API; return the seqs its socket delivered."""
    async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream?after=0") as ws:
        watcher = Watcher(ws)
        version = 1
        for key in ("plan", "write"):
            ids = await generate(client, pid, key, version, ["markov", "echo"])
            await watcher.until_finished(ids)
            version = (await select(client, pid, key, ids[0], (await state_of(client, pid))["version"]))["version"]
        await watcher.until(lambda m: m.get("seq") == version)
    return watcher.seqs


async def test_the_server_and_two_cli_runs_write_one_store_at_once_and_lose_nothing(isolated_home: Path) -> None:
    with running_server(with_duet(isolated_home)) as server:
        runs = [cli_run(isolated_home, topic) for topic in ("first", "second")]
        async with server.client() as client:
            served = await start_duet(client)
            delivered = await drive_through_the_api(server, client, served)
            outputs = [await asyncio.to_thread(run.communicate, timeout=TIMEOUT * 2) for run in runs]
            for run, (_, err) in zip(runs, outputs, strict=True):
                assert run.returncode == 0, err
                assert "Traceback" not in err
            headless = {json.loads(out)["id"]: json.loads(out)["version"] for out, _ in outputs}
            listed = {p["id"] for p in (await client.get("/api/pipelines")).json()}
            assert listed == {served, *headless}, "the server sees what the other processes stored"
            for pid, version in [*headless.items(), (served, delivered[-1])]:
                seqs = [e["seq"] for e in (await client.get(f"/api/pipelines/{pid}/events")).json()]
                assert seqs == list(range(1, version + 1)), "each pipeline's events whole and in order"
                assert (await state_of(client, pid))["completed"]
            assert delivered == list(range(1, delivered[-1] + 1)), "the socket sent every event once"
            cli_pid, cli_version = next(iter(headless.items()))
            async with connect(f"{server.ws_url}/api/pipelines/{cli_pid}/stream?after=0") as ws:
                late = Watcher(ws)
                await late.until(lambda m: m.get("seq") == cli_version)
            assert late.seqs == list(range(1, cli_version + 1)), "the CLI's events, by socket, once each"
    assert "Traceback" not in server.logs()


def tui_in_tmux(home: Path, tmp_path: Path) -> tuple[Terminal, Path]:
    """`writeit --no-server` in a real terminal on the same home as the server; returns it and its exit file."""
    socket, exit_file = f"writeit-race-{os.getpid()}-{tmp_path.name}", tmp_path / "tui-exit-code"
    command = f"{shlex.join([*CLI, '--no-server'])}; echo $? > {shlex.quote(str(exit_file))}"
    env = {**os.environ, "WRITEIT_HOME": str(home), "LLM_USER_PATH": str(home / "llm"), "WRITEIT_DEFAULT_MODEL": "echo"}
    started = subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "writeit", "-x", "120", "-y", "40",
         f"cd {shlex.quote(str(tmp_path))} && {command}"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    return Terminal(socket, "writeit"), exit_file


def tui_journey(term: Terminal, exit_file: Path) -> None:
    """In the TUI: see the server's pipeline among the saved ones, then start one and select its first step."""
    term.wait_text("Pick a template", timeout=60)
    term.keys("o")
    term.wait_text(SERVED, timeout=30)
    term.keys("Escape")
    term.wait_text("Pick a template")
    term.keys("Down")  # past the server's own template (global ones come first) to the built-in quick-article
    term.keys("Enter")
    term.wait_text("Topic")
    term.keys("Typed in the TUI", literal=True)
    term.keys("Enter")
    term.wait_text("✓ done", timeout=60)
    term.keys("1")
    term.wait_text("★ selected")
    term.keys("C-q")
    term.wait(exit_file.exists, "the TUI to exit")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
async def test_the_tui_and_the_server_write_one_store_at_once_and_see_each_other(
    isolated_home: Path, tmp_path: Path
) -> None:
    with running_server(with_duet(isolated_home)) as server:
        async with server.client() as client:
            served = await start_duet(client)
            term, exit_file = tui_in_tmux(isolated_home, tmp_path)
            try:
                tui = asyncio.create_task(asyncio.to_thread(tui_journey, term, exit_file))
                delivered = await drive_through_the_api(server, client, served)
                await tui
            finally:
                term.run("kill-server")
            assert exit_file.read_text().strip() == "0"
            listed = {p["title"]: p["id"] for p in (await client.get("/api/pipelines")).json()}
            assert set(listed) == {SERVED, "Typed in the TUI"}
            assert delivered == list(range(1, delivered[-1] + 1))
            typed = (await client.get(f"/api/pipelines/{listed['Typed in the TUI']}/events")).json()
            assert [e["seq"] for e in typed] == list(range(1, len(typed) + 1))
            assert typed[-1]["type"] == "CandidateSelected", "what the TUI did is in the server's store"
    assert "Traceback" not in server.logs()
