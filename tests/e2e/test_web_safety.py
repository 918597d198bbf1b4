"""The web page is safe with untrusted model text, cannot be framed, serves only its own files, and is usable at
400 px by keyboard with every control labelled."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.api_server import ApiServer, running_server
from tests.e2e.web_support import watched_page

HOSTILE = "<img src=x onerror=window.pwned=1><script>window.pwned=2</script><b>bold</b>"  # no quotes: JSON keeps it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("web-safety")) as running:
        yield running


@pytest.fixture
def narrow(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    with watched_page(browser, request, width=400) as page:
        yield page


def test_model_text_and_inputs_are_shown_as_text_never_run_as_markup(page: Page, server: ApiServer) -> None:
    page.goto(server.url + "/#/new/quick-article")
    page.get_by_label("Topic").fill(HOSTILE)
    page.get_by_label("Models for every step").fill("echo, markov")  # echo repeats its prompt, topic and all
    page.get_by_role("button", name="Start").click()
    expect(page.locator('#candidates [data-status="completed"]')).to_have_count(2)
    expect(page.locator("#candidates .text").first).to_contain_text("<img src=x onerror=window.pwned=1>")
    page.keyboard.press("d")
    expect(page.get_by_role("dialog").locator("pre.diff")).to_contain_text("<script>")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page.locator("#pipelines")).to_contain_text("<b>bold</b>")
    assert page.locator("main img, main script, main b, dialog img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_the_page_cannot_be_framed_and_runs_only_its_own_scripts(server: ApiServer) -> None:
    for path in ("/", "/web/main.js", "/web/app.css"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(server.url + "/web/main.js").headers["content-type"].startswith("text/javascript")
    head = httpx.head(server.url + "/")
    assert head.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize("path", ["/web/nope.js", "/web/../pyproject.toml", "/web/%2e%2e/__init__.py", "/web/"])
def test_only_the_shipped_files_are_served_and_anything_else_is_the_apis_json_404(server: ApiServer, path: str) -> None:
    response = httpx.get(server.url + path)
    assert response.status_code == 404, path
    assert response.headers["content-type"] == "application/json"


def test_writing_to_the_page_is_not_a_command(server: ApiServer) -> None:
    response = httpx.post(server.url + "/", json={})
    assert response.status_code in (404, 405)
    assert "<html" not in response.text


def test_at_400_px_the_journey_fits_every_control_is_labelled_and_focus_is_visible(
    narrow: Page, server: ApiServer
) -> None:
    page = narrow
    page.goto(server.url + "/")
    expect(page.get_by_role("link", name="Quick Article")).to_be_visible()
    assert_fits_and_labelled(page)
    page.get_by_role("link", name="Quick Article").click()
    expect(page.get_by_label("Topic")).to_be_focused()
    assert_fits_and_labelled(page)
    page.get_by_label("Topic").fill("Narrow screens")
    page.get_by_label("Models for every step").fill("echo, markov")
    page.get_by_role("button", name="Start").click()
    cards = page.locator("#candidates [data-candidate]")
    expect(page.locator('#candidates [data-status="completed"]')).to_have_count(2)
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert first is not None
    assert second is not None
    assert first["x"] == second["x"], "one column at 400 px"
    assert_fits_and_labelled(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert outline[0] != "none", outline
    assert float(outline[1].removesuffix("px")) >= 2, outline
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_contain_text("regenerate this candidate / all")
    assert_fits_and_labelled(page)


def assert_fits_and_labelled(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page is {width} px wide at a 400 px viewport"
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('button, input, select, textarea, a[href]')]
        .filter((el) => el.offsetParent !== null || el.closest('dialog[open]'))
        .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label')
            || el.getAttribute('aria-labelledby') || el.textContent.trim()))
        .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
