"""A run that is refused stores nothing: every check that can be made is made before the first event is written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.e2e.api_server import running_server
from tests.e2e.conftest import Runner
from tests.template_texts import LATER_STEP

CASES = {
    "an unknown model rendered from defaults in a later step's model_preference": (
        LATER_STEP.format(name="later", writer="no-such-writer", field='model_preference: "{{ defaults.writer }}"'),
        ["step 'two'", "model 'no-such-writer': unknown model"],
    ),
    "an unknown model among a later step's models": (
        LATER_STEP.format(name="later", writer="echo", field="models: [echo, not-a-model]"),
        ["step 'two'", "model 'not-a-model': unknown model"],
    ),
    "a chain of only unknown models": (
        LATER_STEP.format(name="later", writer="echo", field="model_preference: [gone-1, gone-2]"),
        ["step 'two'", "model 'gone-1': unknown model", "model 'gone-2': unknown model"],
    ),
    "a model that needs a key nobody set": (
        LATER_STEP.format(name="later", writer="echo", field="model_preference: gpt-4o-mini"),
        ["step 'two'", "model 'gpt-4o-mini': needs an API key", "llm keys set openai"],
    ),
}


def stored(writeit: Runner) -> str:
    listed = writeit("pipelines", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout


def assert_refused(writeit: Runner, before: str, result: CompletedProcess[str], *expected: str) -> None:
    assert result.returncode not in (0, 70), result.stderr
    assert "Traceback" not in result.stderr
    for part in expected:
        assert part in result.stderr, result.stderr
    assert stored(writeit) == before, "a refused run stored a pipeline"


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_template_whose_models_cannot_answer_is_refused_before_anything_is_stored(
    case: str, writeit: Runner, tmp_path: Path
) -> None:
    text, expected = CASES[case]
    path = tmp_path / "later.yaml"
    path.write_text(text)
    before = stored(writeit)
    assert_refused(writeit, before, writeit("run", str(path), "-i", "topic=x"), *expected)


def test_a_model_given_on_the_command_line_that_needs_a_key_is_refused(writeit: Runner) -> None:
    before = stored(writeit)
    result = writeit("run", "quick-article", "-i", "topic=x", "-m", "echo", "-m", "gpt-4o-mini")
    assert_refused(writeit, before, result, "model 'gpt-4o-mini': needs an API key")


def test_replay_without_a_recording_is_refused_before_anything_is_stored(writeit: Runner) -> None:
    before = stored(writeit)
    result = writeit("run", "quick-article", "-i", "topic=never recorded", "-m", "echo", "--replay")
    assert_refused(writeit, before, result, "step 'plan'", "model 'echo'", "no recorded answer")


def test_replay_of_a_recorded_run_is_not_refused(writeit: Runner) -> None:
    assert writeit("run", "quick-article", "-i", "topic=recorded", "-m", "echo").returncode == 0
    replayed = writeit("run", "quick-article", "-i", "topic=recorded", "-m", "echo", "--replay")
    assert replayed.returncode == 0, replayed.stderr


def test_a_budget_the_first_step_would_pass_is_refused_before_anything_is_stored(
    writeit: Runner, isolated_home: Path
) -> None:
    (isolated_home / "prices.yaml").write_text("echo: {input: 3.0, output: 15.0}\n", encoding="utf-8")
    before = stored(writeit)
    result = writeit("run", "quick-article", "-i", "topic=x", "-m", "echo", "--budget", "0.001")
    assert_refused(writeit, before, result, "step 'plan'", "budget")


@pytest.mark.parametrize(
    ("target", "expected"),
    [("missing/dir/article.md", "no directory missing/dir"), ("a-file/article.md", "no directory a-file")],
    ids=["a missing directory", "a directory that is a file"],
)
def test_an_output_file_that_cannot_be_written_is_refused_before_the_run(
    target: str, expected: str, writeit: Runner, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    before = stored(writeit)
    result = writeit("run", "quick-article", "-i", "topic=x", "-m", "echo", "-o", target)
    assert_refused(writeit, before, result, f"--output {target}", expected)
    assert not list(tmp_path.glob("*.md"))


def test_an_output_that_is_a_directory_is_refused(writeit: Runner, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    before = stored(writeit)
    assert_refused(writeit, before, writeit("run", "quick-article", "-i", "topic=x", "-o", "out"), "is a directory")


def test_the_api_refuses_a_start_whose_later_step_has_an_unknown_model_and_stores_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "templates").mkdir(parents=True)
    (home / "templates" / "later.yaml").write_text(CASES["an unknown model among a later step's models"][0])

    async def scenario() -> None:
        with running_server(home) as server:
            async with server.client() as client:
                refused = await client.post("/api/pipelines", json={"template": "later", "inputs": {"topic": "x"}})
                assert refused.status_code == 422, refused.text
                assert "step 'two': model 'not-a-model': unknown model" in refused.text
                assert (await client.get("/api/pipelines")).json() == []

    asyncio.run(scenario())
