"""schemathesis against our own OpenAPI document on a real server: no 5xx, every response as documented."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from websockets.asyncio.client import connect

from tests.e2e.api_server import ApiServer, Watcher, create, generate, running_server, state_of

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 25  # per operation: the whole run stays well under a minute


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    home = tmp_path_factory.mktemp("schema-home")
    # echo as the default model: a merge asked of "the default model" answers at once instead of streaming.
    env = {"LLM_USER_PATH": str(home / "llm"), "WRITEIT_DEFAULT_MODEL": "echo"}
    with running_server(home, env=env) as server:
        yield server


@pytest.fixture(scope="module")
def seeded(live: ApiServer) -> dict[str, Any]:
    """A pipeline with two completed candidates, so that generated requests also reach real resources."""

    async def seed() -> dict[str, Any]:
        async with live.client() as client:
            pid = (await create(client))["id"]
            async with connect(f"{live.ws_url}/api/pipelines/{pid}/stream") as ws:
                await Watcher(ws).until_finished(await generate(client, pid, "plan", 1, ["echo", "echo"]))
            return await state_of(client, pid)

    return asyncio.run(seed())


@pytest.fixture(scope="module")
def api_schema(live: ApiServer, seeded: dict[str, Any]) -> Any:
    # A body over the size limit is refused with 413 before validation: that is a rejection too.
    rejected = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
    config = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": rejected}}})
    return schemathesis.openapi.from_url(live.url + "/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api_schema")
_coin = itertools.cycle([True, False])


def aim_at_real_resources(case: Any, state: dict[str, Any]) -> None:
    """Every other valid case names the seeded pipeline, its step, candidate and branch instead of random ids."""
    if case.meta.generation.mode is not GenerationMode.POSITIVE or not case.path_parameters or not next(_coin):
        return
    real = {
        "pipeline_id": state["id"],
        "step": "plan",
        "candidate_id": state["steps"][0]["candidates"][0]["id"],
        "branch": "main",
    }
    for key in case.path_parameters:
        if key in real:
            case.path_parameters[key] = real[key]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_documented_and_never_with_a_server_error(case: Any, seeded: dict[str, Any]) -> None:
    aim_at_real_resources(case, seeded)
    case.call_and_validate(checks=CHECKS)


def test_the_seeded_pipeline_survived_the_run_intact(live: ApiServer, seeded: dict[str, Any]) -> None:
    async def events() -> list[dict[str, Any]]:
        async with live.client() as client:
            response = await client.get(f"/api/pipelines/{seeded['id']}/events")
            assert response.status_code == 200
            found: list[dict[str, Any]] = response.json()
            return found

    stored = asyncio.run(events())
    assert [e["seq"] for e in stored] == list(range(1, len(stored) + 1)), "no gap, no duplicate"
    assert "Traceback" not in live.logs()
