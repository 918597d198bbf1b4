"""The web page shows a step's latest judgement below its candidates (scores and reasons per criterion), live
when another client asks the judge over the API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.api_server import TIMEOUT, ApiServer, running_server
from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

VERDICT = json.dumps({
    "scores": [
        {"draft": 1, "criterion": "tone", "score": 8, "reason": "Warm <b>and</b> direct."},
        {"draft": 2, "criterion": "tone", "score": 3, "reason": "Stiff."},
    ]
})  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    home = tmp_path_factory.mktemp("web-judgement")
    with OpenAICompatibleServer({"judge": Behaviour(reply=VERDICT)}) as models:
        (home / "llm").mkdir()
        models.register(home / "llm", {"srv-judge": "judge"})
        with running_server(home) as running:
            yield running


def api(server: ApiServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = httpx.request(method, server.url + path, json=body, timeout=TIMEOUT)
    assert response.is_success, response.text
    return response.json()


def finished(server: ApiServer, pid: str) -> dict[str, Any]:
    """The pipeline's state once its first step's candidates have all finished."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        state: dict[str, Any] = api(server, "GET", f"/api/pipelines/{pid}")
        if all(c["status"] != "pending" for c in state["steps"][0]["candidates"]):
            return state
        assert time.monotonic() < deadline, "the candidates did not finish"
        time.sleep(0.1)


def test_a_judgement_shows_below_the_candidates_with_a_score_and_reason_per_cell(page: Page, server: ApiServer) -> None:
    pid = api(server, "POST", "/api/pipelines", {"template": "quick-article", "inputs": {"topic": "Judged"}})["id"]
    api(
        server, "POST", f"/api/pipelines/{pid}/steps/plan/generate", {"expected_version": 1, "models": ["echo", "echo"]}
    )
    state = finished(server, pid)
    page.goto(f"{server.url}/#/p/{pid}")
    expect(page.locator("#candidates [data-candidate]")).to_have_count(2)
    expect(page.locator("#judgement")).to_have_count(0)
    body = {"model": "srv-judge", "criteria": ["tone"], "expected_version": state["version"]}
    api(server, "POST", f"/api/pipelines/{pid}/steps/plan/judge", body)
    table = page.locator("#judgement")
    expect(table).to_contain_text("Judged by srv-judge")  # live: the page refetched on the stored event
    expect(table.locator("thead")).to_contain_text("tone")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text("1")
    expect(rows.nth(0).locator("td")).to_have_text("8 Warm <b>and</b> direct.")
    expect(rows.nth(1).locator("td")).to_have_text("3 Stiff.")
    expect(table.locator("b")).to_have_count(0)  # the model's text stays text
