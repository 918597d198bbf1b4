"""Off loopback the API needs its token: the page loads without one, asks for it, and keeps it for the tab only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.api_server import ApiServer, running_server

TOKEN = "s3cret-page-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A server that needs a token, as one bound off loopback does (WRITEIT_API_TOKEN), on 127.0.0.1 for the test."""
    with running_server(tmp_path_factory.mktemp("web-token"), token=TOKEN) as running:
        yield running


def test_the_page_loads_without_the_token_but_the_api_still_needs_it(server: ApiServer) -> None:
    assert httpx.get(server.url + "/").status_code == 200
    assert httpx.get(server.url + "/web/main.js").status_code == 200
    assert httpx.get(server.url + "/api/pipelines").status_code == 401
    assert httpx.get(server.url + "/api/health").status_code == 401


def test_the_page_asks_for_the_token_refuses_a_wrong_one_and_keeps_it_for_the_tab_only(
    page: Page, server: ApiServer
) -> None:
    page.goto(server.url + "/")
    prompt = page.get_by_role("dialog")
    expect(prompt).to_contain_text("This server needs its API token")
    page.get_by_role("textbox", name="API token").fill("wrong-token")
    page.keyboard.press("Enter")
    expect(prompt.get_by_role("alert")).to_have_text("That token was refused.")
    page.get_by_role("textbox", name="API token").fill(TOKEN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Quick Article")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('writeit.token')") == TOKEN
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []

    page.get_by_role("link", name="Quick Article").click()  # the WebSocket carries the token too
    page.get_by_label("Topic").fill("Behind a token")
    page.get_by_label("Models for every step").fill("markov")
    page.get_by_role("button", name="Start").click()
    expect(page.locator('#candidates [data-status="pending"] .text')).not_to_have_text("")
    expect(page.locator('#candidates [data-status="completed"]')).to_have_count(1)
    expect(page.locator("#where")).to_contain_text("live")

    other = page.context.new_page()  # another tab of the same browser: it asks again
    other.goto(server.url + "/")
    expect(other.get_by_role("dialog")).to_contain_text("This server needs its API token")
    assert other.evaluate("sessionStorage.getItem('writeit.token')") is None
    other.close()


def test_dismissing_the_token_prompt_says_what_is_missing(page: Page, server: ApiServer) -> None:
    page.goto(server.url + "/")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.locator("#notices")).to_contain_text("this server needs its API token")
