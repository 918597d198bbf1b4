"""The web page follows a pipeline another client changes (over the API), live, without reloading."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Request, WebSocketRoute, expect

from tests.e2e.api_server import TIMEOUT, ApiServer, running_server
from tests.e2e.web_support import candidate


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("web-live")) as running:
        yield running


def api(server: ApiServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = httpx.request(method, server.url + path, json=body, timeout=TIMEOUT)
    assert response.is_success, response.text
    return response.json()


def test_a_change_made_over_the_api_by_another_client_shows_up_live(page: Page, server: ApiServer) -> None:
    state = api(server, "POST", "/api/pipelines", {"template": "quick-article", "inputs": {"topic": "Two clients"}})
    pid = state["id"]
    page.goto(f"{server.url}/#/p/{pid}")
    expect(page.locator("#where")).to_contain_text("v1 · live")
    page.evaluate("window.notReloaded = true")

    ids = api(
        server,
        "POST",
        f"/api/pipelines/{pid}/steps/plan/generate",
        {"expected_version": 1, "models": ["echo", "markov"]},
    )
    markov = page.locator('#candidates [data-status="pending"]', has=page.locator("h2", has_text="markov"))
    expect(markov.locator(".text")).not_to_have_text(
        ""
    )  # markov's words arrive in the page as the other client's round runs
    expect(page.locator('#candidates [data-status="completed"]')).to_have_count(2)

    version = api(server, "GET", f"/api/pipelines/{pid}")["version"]
    chosen = ids["candidate_ids"][1]
    api(
        server, "POST", f"/api/pipelines/{pid}/steps/plan/select", {"candidate_id": chosen, "expected_version": version}
    )
    expect(page.locator(candidate(2)).locator(".badge.selected")).to_be_visible()

    version = api(server, "GET", f"/api/pipelines/{pid}")["version"]
    forked = api(server, "POST", f"/api/pipelines/{pid}/fork", {"from_step": "plan", "expected_version": version})
    expect(page.locator("#where")).to_contain_text(f"branch {forked['branch']}")
    expect(page.locator("#where")).to_contain_text(f"v{forked['version']}")
    assert page.evaluate("window.notReloaded") is True


def test_every_command_the_page_sends_is_json_with_the_version_it_saw(page: Page, server: ApiServer) -> None:
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    page.goto(server.url + "/#/new/quick-article")
    page.get_by_label("Topic").fill("Versions")
    page.get_by_label("Models for every step").fill("echo")
    page.get_by_role("button", name="Start").click()
    expect(page.locator('#candidates [data-status="completed"]')).to_have_count(1)
    page.keyboard.press("1")
    expect(page.locator("#candidates .is-selected")).to_have_count(1)
    page.keyboard.press("b")
    page.keyboard.press("k")
    expect(page.locator("#where")).to_contain_text(re.compile(r"branch branch-\d"))
    page.keyboard.press("b")
    page.get_by_role("dialog").get_by_role("button", name="main", exact=True).click()
    expect(page.locator("#where")).to_contain_text("branch main")
    page.keyboard.press("a")  # nothing is stale: refused, and the refusal is shown
    expect(page.locator("#notices")).to_contain_text("Could not keep the stale step")

    commands = [r for r in sent if "/steps/" in r.url or "/fork" in r.url or "/switch" in r.url]
    assert [r.url.rsplit("/", 1)[-1] for r in commands] == ["generate", "select", "fork", "switch", "keep"]
    for r in commands:
        assert r.headers["content-type"] == "application/json", r.url
        body = r.post_data_json
        assert body is not None, r.url
        assert isinstance(body["expected_version"], int), r.url


def test_a_command_on_a_version_another_client_moved_on_is_refused_and_the_page_catches_up(
    page: Page, server: ApiServer
) -> None:
    state = api(server, "POST", "/api/pipelines", {"template": "quick-article", "inputs": {"topic": "Stale page"}})
    pid = state["id"]
    ids = api(server, "POST", f"/api/pipelines/{pid}/steps/plan/generate", {"expected_version": 1, "models": ["echo"]})
    deadline = time.monotonic() + TIMEOUT
    while api(server, "GET", f"/api/pipelines/{pid}")["steps"][0]["candidates"][0]["status"] == "pending":
        assert time.monotonic() < deadline, "echo did not answer"
        time.sleep(0.05)
    page.route_web_socket(re.compile(".*/stream.*"), lambda ws: ws.connect_to_server().on_message(lambda _: None))
    page.goto(f"{server.url}/#/p/{pid}")  # the page hears nothing from its WebSocket now
    expect(page.locator('#candidates [data-status="completed"]')).to_have_count(1)
    version = api(server, "GET", f"/api/pipelines/{pid}")["version"]
    api(
        server,
        "POST",
        f"/api/pipelines/{pid}/steps/plan/select",
        {"candidate_id": ids["candidate_ids"][0], "expected_version": version},
    )
    api(server, "POST", f"/api/pipelines/{pid}/fork", {"from_step": "plan", "expected_version": version + 1})
    expect(page.locator("#where")).to_contain_text("branch main")

    page.keyboard.press("1")
    expect(page.locator("#notices")).to_contain_text("Could not select")
    expect(page.locator("#where")).to_contain_text(re.compile(r"branch branch-\d"))  # reloaded as it is now
    assert api(server, "GET", f"/api/pipelines/{pid}")["version"] == version + 3, "the refused select stored nothing"


def test_a_dropped_websocket_reconnects_after_the_last_event_seen_and_misses_nothing(
    page: Page, server: ApiServer
) -> None:
    state = api(server, "POST", "/api/pipelines", {"template": "quick-article", "inputs": {"topic": "Reconnecting"}})
    pid = state["id"]
    routes: list[WebSocketRoute] = []

    def forward(ws: WebSocketRoute) -> None:
        routes.append(ws)
        ws.connect_to_server()  # no handlers: messages pass both ways

    page.route_web_socket(re.compile(".*/stream.*"), forward)
    page.goto(f"{server.url}/#/p/{pid}")
    expect(page.locator("#where")).to_contain_text("v1 · live")
    routes[0].close(code=1001)
    ids = api(server, "POST", f"/api/pipelines/{pid}/steps/plan/generate", {"expected_version": 1, "models": ["echo"]})
    expect(page.locator('#candidates [data-status="completed"]')).to_have_count(1)  # caught up after reconnecting
    assert len(routes) >= 2
    assert routes[1].url.endswith("after=1"), routes[1].url
    expect(page.locator(f'[data-candidate="{ids["candidate_ids"][0]}"]')).to_be_visible()
