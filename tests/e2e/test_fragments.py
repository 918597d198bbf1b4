"""Fragments (`-f` as `llm -f` takes them) reach the prompt as sent, and are recorded so nothing is read again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner
from tests.e2e.fragment_support import USES_FRAGMENTS, notes_loader
from writeit.domain.errors import InputInvalidError
from writeit.entrypoints.cli.common import open_container


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "with-fragments.yaml"
    path.write_text(USES_FRAGMENTS)
    return path


def events_of(writeit: Runner, tmp_path: Path) -> list[dict[str, object]]:
    pipeline_id = json.loads(writeit("pipelines", "list", "--json").stdout)[-1]["id"]
    exported = writeit("pipelines", "export", pipeline_id, "--format", "jsonl", "-o", "events.jsonl")
    assert exported.returncode == 0, exported.stderr
    return [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]


def test_a_local_file_reaches_the_prompt_as_sent_with_its_source(
    writeit: Runner, tmp_path: Path, template: Path
) -> None:
    (tmp_path / "research.md").write_text("LMDB is a B+tree.\n")
    run = writeit("run", str(template), "-i", "topic=Stores", "-f", "research.md", "-m", "echo", "-q")
    assert run.returncode == 0, run.stderr
    events = events_of(writeit, tmp_path)
    source = str((tmp_path / "research.md").resolve())
    assert events[0]["fragments"] == [{"source": source, "content": "LMDB is a B+tree.\n"}]
    completed = next(e for e in events if e["type"] == "CandidateCompleted")
    assert f"[{source}] LMDB is a B+tree." in str(completed["prompt"])
    assert "LMDB is a B+tree." in str(completed["text"]), "echo answers with the prompt it was sent"


def test_a_template_that_does_not_use_fragments_gets_them_before_its_first_prompt(
    writeit: Runner, tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text("Fragment A.")
    (tmp_path / "b.md").write_text("Fragment B.\n")
    run = writeit("run", "quick-article", "-i", "topic=Cats", "-f", "a.md", "-f", "b.md", "-m", "echo", "-q")
    assert run.returncode == 0, run.stderr
    prompts = [str(e["prompt"]) for e in events_of(writeit, tmp_path) if e["type"] == "StepStarted"]
    assert prompts[0].startswith("Fragment A.\n\nFragment B.\n\n")
    assert not any(p.startswith("Fragment A.") for p in prompts[1:]), "later steps see them through `fragments`"


def test_an_unreadable_fragment_is_refused_naming_it_and_nothing_is_stored(writeit: Runner, tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02")
    refs = ("-f", "gone.md", "-f", "zz:x", "-f", "blob.bin", "-f", "/dev/zero", "-f", str(tmp_path))
    run = writeit("run", "quick-article", "-i", "topic=Cats", *refs, timeout=60)
    assert run.returncode != 0
    assert "fragments: Fragment 'gone.md' not found" in run.stderr
    assert "fragments: 'zz:x': Unknown fragment prefix: zz" in run.stderr
    assert "fragments: 'blob.bin': is not text (it holds binary data)" in run.stderr
    assert "fragments: '/dev/zero': is not a file" in run.stderr
    assert f"fragments: '{tmp_path}': is not a file" in run.stderr
    assert "Traceback" not in run.stderr
    assert writeit("pipelines", "list", "--json").stdout.strip() == "[]"


def test_a_template_using_fragments_validates(writeit: Runner, template: Path) -> None:
    checked = writeit("templates", "validate", str(template))
    assert checked.returncode == 0, checked.stderr


async def test_a_loader_plugin_fragment_reaches_the_prompt_and_is_not_loaded_again(tmp_path: Path) -> None:
    (tmp_path / "local.md").write_text("from a file")
    with notes_loader():
        async with open_container() as container:
            service = container.pipelines()
            refs = ["notes:kickoff", str(tmp_path / "local.md")]
            view = await service.start("quick-article", {"topic": "X"}, fragments=refs)
    (tmp_path / "local.md").unlink()  # recorded with the pipeline: the next session needs neither file nor plugin
    async with open_container() as container:
        service = container.pipelines()
        await (await service.generate(view.id, models=["echo"])).wait()
        candidate = (await service.get(view.id)).step("plan").candidates[0]
    assert candidate.prompt.startswith("notes called kickoff\n\nfrom a file\n\n")
    assert "notes called kickoff" in candidate.text


async def test_a_failing_loader_is_reported_and_nothing_is_stored() -> None:
    with notes_loader():
        async with open_container() as container:
            service = container.pipelines()
            with pytest.raises(InputInvalidError) as caught:
                await service.start("quick-article", {"topic": "X"}, fragments=["notes:fail"])
            assert await service.summaries() == []
    assert [p.message for p in caught.value.problems] == [
        "Could not load fragment notes:fail: the notes service is down"
    ]
