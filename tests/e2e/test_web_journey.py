"""The writer's whole journey in the web page, in headless Chromium against a real `writeit serve`, on markov."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.api_server import ApiServer, running_server
from tests.e2e.web_support import candidate

MODELS = "markov, echo"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with running_server(tmp_path_factory.mktemp("web-journey")) as running:
        yield running


def start(page: Page, server: ApiServer, topic: str, models: str = MODELS) -> None:
    """From the template picker, through the form, to the first step's candidates, all finished."""
    page.goto(server.url + "/")
    page.get_by_role("link", name="Quick Article").click()
    page.get_by_label("Topic").fill(topic)
    page.get_by_label("Models for every step").fill(models)
    page.get_by_role("button", name="Start").click()
    wait_finished(page, len(models.split(",")))


def wait_finished(page: Page, count: int, round_: int = 1) -> None:
    """Until the step shows round `round_` with `count` candidates, none of them still running."""
    expect(page.locator("#step-title")).to_contain_text(f"round {round_}")
    expect(page.locator("#candidates [data-candidate]")).to_have_count(count)
    expect(page.locator('#candidates [data-status="pending"]')).to_have_count(0)


def test_the_form_shows_each_error_under_its_field_and_stores_nothing(page: Page, server: ApiServer) -> None:
    before = httpx.get(server.url + "/api/pipelines").json()
    page.goto(server.url + "/#/new/quick-article")
    page.get_by_label("Models for every step").fill("no-such-model")
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#error-topic")).to_contain_text("'Topic' is required")
    expect(page.get_by_label("Topic")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Topic")).to_be_focused()
    page.get_by_label("Topic").fill("A topic")
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#error-model")).to_contain_text("no-such-model")
    assert httpx.get(server.url + "/api/pipelines").json() == before


def test_candidates_stream_side_by_side_with_model_tokens_and_cost_and_a_key_selects(
    page: Page, server: ApiServer
) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("link", name="Tech Article")).to_be_visible()
    page.get_by_role("link", name="Quick Article").click()
    page.get_by_label("Topic").fill("Streaming in a browser")
    page.get_by_label("Models for every step").fill("markov")
    page.get_by_role("button", name="Start").click()
    streaming = page.locator('#candidates [data-status="pending"] .text')
    expect(streaming).not_to_have_text("")  # text arrives while markov is still answering, word by word
    expect(page.locator(candidate(1))).to_have_attribute("data-status", "completed")
    card = page.locator(candidate(1))
    expect(card.locator("h2")).to_contain_text("1. markov")
    expect(card.locator("header .meta")).to_contain_text("out tokens")
    expect(card.locator("header .meta")).to_contain_text("$")
    page.keyboard.press("1")
    expect(card.locator(".badge.selected")).to_be_visible()
    expect(page.locator("#where")).to_contain_text("branch main")


def test_cancel_stops_a_running_candidate_and_keeps_its_text(page: Page, server: ApiServer) -> None:
    start(page, server, "Cancelling", models="markov")
    page.keyboard.press("g")
    running = page.locator('#candidates [data-status="pending"]')
    expect(running.locator(".text")).not_to_have_text("")
    running.focus()
    page.keyboard.press("x")
    cancelled = page.locator('#candidates [data-status="cancelled"]')
    expect(cancelled).to_have_count(1)
    expect(cancelled.locator(".text")).not_to_have_text("")
    expect(cancelled.locator(".error")).to_have_count(1)


def test_edit_feedback_regenerate_and_merge_by_hand_and_by_model(page: Page, server: ApiServer) -> None:
    start(page, server, "Editing in the page")
    page.locator(candidate(2)).focus()
    page.keyboard.press("e")
    editor = page.get_by_label("Text")
    editor.fill("An edited plan")
    page.keyboard.press("Control+Enter")
    edited = page.locator("#candidates .is-selected")
    expect(edited.locator(".text")).to_have_text("An edited plan")
    expect(edited.locator(".badge", has_text="edited")).to_be_visible()
    page.locator(candidate(1)).focus()
    page.keyboard.press("d")  # the focused candidate against the selection
    diff = page.get_by_role("dialog")
    expect(diff).to_contain_text("Diff: 1 (markov) → 3 (echo)")
    expect(diff.locator("pre.diff ins")).to_have_text("An edited plan")
    expect(diff.locator("pre.diff del")).not_to_have_text("")
    page.keyboard.press("Escape")

    page.keyboard.press("f")
    page.get_by_label("What should the next round do differently?").fill("Shorter, please")
    page.keyboard.press("Control+Enter")
    wait_finished(page, 3, round_=2)  # the new round (2 models) and the selected edit
    expect(page.locator(candidate(1)).locator(".badge", has_text="edited")).to_be_visible()

    page.locator(candidate(2)).focus()
    page.keyboard.press("r")  # regenerate this one: it joins its round
    wait_finished(page, 4, round_=3)

    page.locator(candidate(1)).focus()
    page.keyboard.press(" ")
    page.locator(candidate(2)).focus()
    page.keyboard.press(" ")
    expect(page.locator("#candidates .is-marked")).to_have_count(2)
    page.keyboard.press("m")
    page.get_by_role("button", name="Merge by hand").click()
    merged_text = page.get_by_label("Merged text")
    assert "<!-- candidate 1" in merged_text.input_value()
    merged_text.fill("Merged by hand")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#candidates .is-selected .text")).to_have_text("Merged by hand")
    expect(page.locator("#candidates .is-selected .badge", has_text="merged")).to_be_visible()

    page.locator(candidate(1)).focus()
    page.keyboard.press(" ")
    page.locator(candidate(2)).focus()
    page.keyboard.press(" ")
    page.keyboard.press("m")
    page.get_by_label("Merging model", exact=True).fill("echo")
    page.get_by_role("button", name="Ask the model").click()
    expect(page.locator("#notices")).to_contain_text("the merge is now the selection")
    selected = page.locator("#candidates .is-selected")
    expect(selected.locator("h2")).to_contain_text("echo")
    expect(selected.locator(".badge", has_text="merged")).to_be_visible()


def test_steps_branches_stale_marks_diff_export_and_resume(page: Page, server: ApiServer) -> None:
    start(page, server, "Branching in the page", models="echo")
    page.keyboard.press("1")
    page.keyboard.press("n")  # the next step generates at once
    expect(page.locator("#step-title")).to_contain_text("Write")
    wait_finished(page, 1)
    page.keyboard.press("1")
    expect(page.locator("#candidates .is-selected")).to_have_count(1)

    page.keyboard.press("p")
    expect(page.locator("#step-title")).to_contain_text("Plan")
    page.keyboard.press("g")
    wait_finished(page, 2, round_=2)
    page.keyboard.press("2")  # another plan: the write step built on the first one is now stale
    write = page.locator('.steps [data-step="write"]')
    expect(write).to_contain_text("stale")
    expect(page.locator("#candidates [data-candidate]")).to_have_count(1)  # the lone new round, now selected
    page.keyboard.press("h")  # every round
    expect(page.locator("#candidates [data-candidate]")).to_have_count(2)
    page.keyboard.press("d")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Diff: 1 (echo) → 2 (echo)")
    expect(dialog.locator("pre.diff")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    expect(page.locator(".stale-note")).to_be_visible()
    page.keyboard.press("a")  # keep it as it is
    expect(page.locator(".stale-note")).to_have_count(0)
    expect(write).not_to_contain_text("stale")

    page.keyboard.press("b")
    expect(page.get_by_role("dialog")).to_contain_text("main (current)")
    page.keyboard.press("k")  # fork here, at the write step
    expect(page.locator("#where")).to_contain_text(re.compile(r"branch branch-\d"))
    expect(page.locator("#step-title")).to_contain_text("Write")
    page.keyboard.press("b")
    expect(page.get_by_role("dialog").get_by_role("list", name="Branches").get_by_role("button")).to_have_count(2)
    page.get_by_role("dialog").get_by_role("button", name="main", exact=True).click()
    expect(page.locator("#where")).to_contain_text("branch main")

    page.keyboard.press("s")
    page.get_by_label("Format").select_option("markdown")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    exported = download.value.path().read_text()
    assert exported.startswith("---"), exported[:200]
    assert "Branching in the page" in exported

    pid = page.evaluate("location.hash").split("/")[-1]
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Branching in the page").click()
    expect(page.locator("#where")).to_contain_text("branch main · step Polish")  # where main's writer left it
    assert page.evaluate("location.hash").endswith(pid)


def test_an_invalid_template_is_listed_as_such_and_opening_it_shows_each_problem_with_its_line(
    page: Page, server: ApiServer
) -> None:
    templates = server.logs_dir.parent / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "broken.yaml").write_text(
        "metadata: {name: Broken}\ninputs:\n  topic: {type: text}\nsteps:\n  one:\n    name: One\n"
        '    type: llm_generation\n    prompt_template: "{{ inputs.nope }}"\n'
    )
    page.goto(server.url + "/")
    broken = page.locator('#templates a[href="#/new/broken"]')
    expect(broken).to_contain_text("invalid template")
    broken.click()
    expect(page.get_by_role("alert")).to_contain_text("invalid template")
    expect(page.locator("main ul.error li").first).to_contain_text(re.compile(r"line \d+: .*nope"))
