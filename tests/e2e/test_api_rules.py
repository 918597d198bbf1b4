"""The API's promises about failures: 409 for stale versions, 404 for unknown ids, 422 naming the field, no 5xx."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server, state_of, step

FAILING = """\
metadata: {name: failing}
inputs:
  topic: {type: text, required: true}
steps:
  only:
    name: Only
    prompt_template: "About {{ inputs.topic }}"
    model_preference: [no-such-model-a, no-such-model-b]
"""
BROKEN = 'metadata: {name: broken}\nsteps:\n  one:\n    name: One\n    prompt_template: "{{ steps.nope }}"\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """One server for the module: each test works on pipelines of its own."""
    home = tmp_path_factory.mktemp("api-rules")
    (home / "templates").mkdir()
    (home / "templates" / "failing.yaml").write_text(FAILING)
    (home / "secret.yaml").write_text(FAILING)
    with running_server(home) as running:
        yield running


async def generated(server: ApiServer, client: httpx.AsyncClient, models: list[str]) -> tuple[str, list[str], int]:
    """A pipeline whose first step has finished generating: (id, candidate ids, version)."""
    pid = (await create(client))["id"]
    async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
        ids = await generate(client, pid, "plan", 1, models)
        await Watcher(ws).until_finished(ids)
    return pid, ids, (await state_of(client, pid))["version"]


async def test_conflicting_selects_with_the_same_version_give_one_200_one_409_and_one_event(server: ApiServer) -> None:
    async with server.client() as client:
        pid, ids, version = await generated(server, client, ["echo", "echo"])
        url = f"/api/pipelines/{pid}/steps/plan/select"
        responses = await asyncio.gather(
            *(client.post(url, json={"candidate_id": cid, "expected_version": version}) for cid in ids)
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        conflict = next(r for r in responses if r.status_code == 409).json()
        assert "reload and retry" in conflict["detail"]
        events = (await client.get(f"/api/pipelines/{pid}/events", params={"after": version})).json()
        assert [e["type"] for e in events] == ["CandidateSelected"]


async def test_a_stale_version_gets_409_and_changes_nothing(server: ApiServer) -> None:
    async with server.client() as client:
        pid, ids, version = await generated(server, client, ["echo"])
        before = (await client.get(f"/api/pipelines/{pid}/events")).json()
        stale = {"expected_version": version - 1}
        for path, body in (
            ("steps/plan/select", {**stale, "candidate_id": ids[0]}),
            ("steps/plan/generate", stale),
            ("steps/plan/edit", {**stale, "text": "new", "candidate_id": ids[0]}),
            ("fork", {**stale, "from_step": "plan"}),
        ):
            response = await client.post(f"/api/pipelines/{pid}/{path}", json=body)
            assert response.status_code == 409, (path, response.text)
        assert (await client.get(f"/api/pipelines/{pid}/events")).json() == before


async def test_unknown_ids_are_404_with_what_was_not_found(server: ApiServer) -> None:
    async with server.client() as client:
        pid, ids, version = await generated(server, client, ["echo"])
        select = {"candidate_id": ids[0], "expected_version": version}
        versioned = {"expected_version": version}
        checks = [
            ("get", "/api/pipelines/0123456789abcdef", None, "no pipeline '0123456789abcdef'"),
            ("get", "/api/templates/no-such-template", None, "no template 'no-such-template'"),
            ("get", f"/api/pipelines/{pid}?branch=nope", None, "unknown branch 'nope'"),
            ("post", f"/api/pipelines/{pid}/steps/nope/select", select, "unknown step 'nope'"),
            ("post", f"/api/pipelines/{pid}/steps/plan/select", {**select, "candidate_id": "abc"}, "candidate 'abc'"),
            ("post", f"/api/pipelines/{pid}/branches/nope/switch", versioned, "unknown branch 'nope'"),
        ]  # fmt: skip
        for method, url, body, message in checks:
            response = await client.request(method, url, json=body)
            assert response.status_code == 404, (url, response.text)
            assert message in response.json()["detail"]


async def test_invalid_requests_are_422_and_name_the_field(server: ApiServer) -> None:
    async with server.client() as client:
        missing = await client.post("/api/pipelines", json={"template": "quick-article", "inputs": {}})
        assert missing.status_code == 422
        assert missing.json()["errors"] == [{"line": None, "field": "topic", "message": "'Topic' is required"}]
        pid = (await create(client))["id"]
        unversioned = await client.post(f"/api/pipelines/{pid}/steps/plan/generate", json={})
        assert unversioned.status_code == 422
        assert [e["field"] for e in unversioned.json()["errors"]] == ["body.expected_version"]
        empty = await client.post(
            f"/api/pipelines/{pid}/steps/plan/generate", json={"expected_version": 1, "feedback": " "}
        )
        assert empty.status_code == 422
        assert "feedback cannot be empty" in empty.json()["detail"]
        assert (await state_of(client, pid))["version"] == 1


async def test_an_unknown_model_is_422_naming_it_and_nothing_is_recorded(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        body = {"expected_version": 1, "models": ["echo", "no-such-model"]}
        response = await client.post(f"/api/pipelines/{pid}/steps/plan/generate", json=body)
        assert response.status_code == 422
        assert "no-such-model" in response.json()["detail"]
        assert response.json()["errors"][0]["field"] == "model"
        assert (await state_of(client, pid))["version"] == 1


async def test_models_chosen_at_creation_are_recorded_and_an_unknown_one_is_422(server: ApiServer) -> None:
    async with server.client() as client:
        before = len((await client.get("/api/pipelines")).json())
        refused = await client.post(
            "/api/pipelines", json={"template": "quick-article", "inputs": {"topic": "x"}, "models": ["nope-model"]}
        )
        assert refused.status_code == 422
        assert "nope-model" in refused.json()["detail"]
        assert len((await client.get("/api/pipelines")).json()) == before

        created = await client.post(
            "/api/pipelines", json={"template": "quick-article", "inputs": {"topic": "x"}, "models": ["markov"]}
        )
        assert created.status_code == 201
        pid = created.json()["id"]
        assert created.json()["models"] == ["markov"]
        async with connect(f"{server.ws_url}/api/pipelines/{pid}/stream") as ws:
            started = await client.post(f"/api/pipelines/{pid}/steps/plan/generate", json={"expected_version": 1})
            await Watcher(ws).until_finished(started.json()["candidate_ids"])
        assert [c["model"] for c in step(await state_of(client, pid), "plan")["candidates"]] == ["markov"]


async def test_a_step_whose_models_are_none_of_them_here_is_refused_at_start_and_nothing_is_stored(
    server: ApiServer,
) -> None:
    # A model failing mid-run is recorded in its candidate (tests/e2e/test_reliability_provider_faults.py); a
    # chain of which no model exists here can only fail, so it is refused before anything is stored.
    async with server.client() as client:
        before = (await client.get("/api/pipelines")).json()
        created = await client.post("/api/pipelines", json={"template": "failing", "inputs": {"topic": "x"}})
        assert created.status_code == 422, created.text
        assert "no-such-model-a" in created.text
        assert "no-such-model-b" in created.text
        assert (await client.get("/api/pipelines")).json() == before


async def test_templates_are_listed_shown_and_validated_with_line_and_field(server: ApiServer) -> None:
    async with server.client() as client:
        names = [t["name"] for t in (await client.get("/api/templates")).json()]
        assert {"quick-article", "tech-article", "failing"} <= set(names)
        shown = (await client.get("/api/templates/tech-article")).json()
        assert [s["key"] for s in shown["steps"]] == ["angles", "outline", "draft", "polish"]
        valid = await client.post("/api/templates/validate", json={"yaml": FAILING})
        assert valid.status_code == 200
        assert valid.json()["valid"] is True
        broken = await client.post("/api/templates/validate", json={"yaml": BROKEN})
        assert broken.status_code == 422
        [error] = broken.json()["errors"]
        assert error["line"] == 5
        assert error["field"] == "steps.one.prompt_template"
        assert "nope" in error["message"]


async def test_a_template_name_never_reaches_a_file_of_the_server(server: ApiServer) -> None:
    home = server.logs_dir.parent
    secret = home / "secret.yaml"  # the server's working directory is its home
    async with server.client() as client:
        before = (await client.get("/api/pipelines")).json()
        for name in ("secret.yaml", "..%2Fsecret", str(secret), "..%2Fsecret.yaml"):
            response = await client.get(f"/api/templates/{name}")
            assert response.status_code in (404, 422), name
            assert str(home) not in response.text
            created = await client.post("/api/pipelines", json={"template": name, "inputs": {"topic": "x"}})
            assert created.status_code in (404, 422), name
        assert (await client.get("/api/pipelines")).json() == before


async def test_a_body_over_a_megabyte_is_refused_with_413(server: ApiServer) -> None:
    async with server.client() as client:
        response = await client.post("/api/templates/validate", json={"yaml": "x" * (1 << 20)})
        assert response.status_code == 413
        assert "bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "code"), [("/api/pipelines/0123456789abcdef/stream", 4404), ("/api/pipelines/{pid}/stream?after=x", 4400)]
)
async def test_the_socket_explains_and_closes_for_an_unknown_pipeline_or_a_bad_after(
    server: ApiServer, path: str, code: int
) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
    async with connect(server.ws_url + path.format(pid=pid)) as ws:
        message = await Watcher(ws).next()
        assert message["type"] == "error"
        assert message["code"] == code
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == code


COMMANDS = {
    "steps/plan/generate": {"models": ["echo"]},
    "steps/plan/select": {"candidate_id": "abc"},
    "steps/plan/edit": {"text": "new"},
    "steps/plan/merge": {"candidate_ids": ["abc", "abd"], "text": "both"},
    "steps/plan/keep": {},
    "fork": {"from_step": "plan"},
    "branches/main/switch": {},
}


async def test_every_command_requires_expected_version_and_names_it_when_missing(server: ApiServer) -> None:
    async with server.client() as client:
        pid = (await create(client))["id"]
        for command, body in COMMANDS.items():
            for sent in (body, None):
                refused = await client.post(f"/api/pipelines/{pid}/{command}", json=sent)
                assert refused.status_code == 422, (command, sent, refused.text)
                assert "body.expected_version" in [e["field"] for e in refused.json()["errors"]], refused.text
        assert (await state_of(client, pid))["version"] == 1, "nothing stored"


async def test_twenty_concurrent_merges_on_one_version_give_one_winner(server: ApiServer) -> None:
    async with server.client() as client:
        pid, ids, version = await generated(server, client, ["echo", "echo"])
        body = {"candidate_ids": ids, "text": "Both.", "expected_version": version}
        url = f"/api/pipelines/{pid}/steps/plan/merge"
        answers = await asyncio.gather(*(client.post(url, json=body) for _ in range(20)))
        assert sorted(a.status_code for a in answers) == [200] + [409] * 19
        merged = [c for c in step(await state_of(client, pid), "plan")["candidates"] if c["origin"] == "merged"]
        assert len(merged) == 1


def strings_of(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_of(k), *strings_of(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    return [value] if isinstance(value, str) else []


async def test_an_error_echoes_no_terminal_escape_and_no_overlong_value(server: ApiServer) -> None:
    hostile = "\x1b[2J\x1b]0;pwned\x07\u202e" + "9" * 5000
    bodies = [
        {"template": "quick-article", "inputs": {"topic": "x", "style": hostile}},
        {"template": "quick-article", "inputs": {"topic": "x", f"key{hostile[:40]}": "y"}},
        {"template": "quick-article", "inputs": {"topic": "x"}, "models": [hostile[:200]]},
    ]
    async with server.client() as client:
        pid = (await create(client))["id"]
        answers = [await client.post("/api/pipelines", json=body) for body in bodies]
        answers.append(
            await client.post(f"/api/pipelines/{pid}/steps/%1b%5b2J{'9' * 120}/keep", json={"expected_version": 1})
        )
        for answer in answers:
            assert 400 <= answer.status_code < 500, answer.text
            for text in strings_of(answer.json()):
                assert not [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")], text
                assert len(text) < 400, text
                assert "9" * 100 not in text
        assert answers[0].json()["errors"][0]["field"] == "style", "still says where"
