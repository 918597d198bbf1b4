"""Raw notes into `writeit run`: `@file`, `@folder/`, `@-` and `@@`, read once and recorded; bad files refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import CLI, Runner
from tests.e2e.notes_support import EXPECTED, install_template, notes_folder


@pytest.fixture(autouse=True)
def template(isolated_home: Path) -> Path:
    return install_template(isolated_home)


def stored_inputs(writeit: Runner) -> list[dict[str, object]]:
    listed = json.loads(writeit("pipelines", "list", "--json").stdout)
    return [json.loads(writeit("pipelines", "show", p["id"], "--json").stdout)["inputs"] for p in listed]


def test_a_folder_of_three_notes_becomes_one_input_each_under_its_heading(writeit: Runner, tmp_path: Path) -> None:
    folder = notes_folder(tmp_path)
    run = writeit("run", "from-notes", "-i", "notes=@notes/", "-m", "echo", "-q")
    assert run.returncode == 0, run.stderr
    assert stored_inputs(writeit) == [{"notes": EXPECTED}]
    assert "Third: replay is free." in (tmp_path / run.stdout.strip()).read_text(), "the prompt (echoed) had it"

    shutil.rmtree(folder)  # what was read is in the pipeline: export needs no file
    pipeline_id = json.loads(writeit("pipelines", "list", "--json").stdout)[0]["id"]
    exported = writeit("pipelines", "export", pipeline_id, "--format", "json", "-o", "history.json")
    assert exported.returncode == 0, exported.stderr
    assert "## b-second.md" in (tmp_path / "history.json").read_text()


def test_a_single_file_and_standard_input_are_read(writeit: Runner, tmp_path: Path) -> None:
    (tmp_path / "one.md").write_text("only one note\n")
    assert writeit("run", "from-notes", "-i", "notes=@one.md", "-m", "echo", "-q").returncode == 0
    piped = subprocess.run(
        [*CLI, "run", "from-notes", "-i", "notes=@-", "-m", "echo", "-q"],
        cwd=tmp_path,
        env=dict(os.environ),
        input="notes from a pipe\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert stored_inputs(writeit) == [{"notes": "only one note\n"}, {"notes": "notes from a pipe\n"}]


def test_a_doubled_at_sign_is_a_literal_at_sign(writeit: Runner) -> None:
    assert writeit("run", "from-notes", "-i", "notes=@@editor said hi", "-m", "echo", "-q").returncode == 0
    assert stored_inputs(writeit) == [{"notes": "@editor said hi"}]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("huge.md", "x" * 2001, "huge.md: is over 2000 characters"),
        ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.png: is not text (it holds binary data)"),
        ("latin1.txt", "caf\xe9 notes".encode("latin-1"), "latin1.txt: is not UTF-8 text (byte 3 is invalid)"),
    ],
)
def test_an_unusable_file_is_refused_naming_it_and_nothing_is_stored(
    writeit: Runner, tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for value in (f"@{name}", "@folder/"):
        (tmp_path / "folder").mkdir(exist_ok=True)
        shutil.copy(path, tmp_path / "folder" / name)
        run = writeit("run", "from-notes", "-i", f"notes={value}", "-m", "echo")
        assert run.returncode != 0
        assert f"notes: {message}" in run.stderr or f"notes: folder/{message}" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    assert writeit("pipelines", "list", "--json").stdout.strip() == "[]", "nothing was stored"


def test_a_missing_file_and_a_folder_over_the_limit_are_refused(writeit: Runner, tmp_path: Path) -> None:
    missing = writeit("run", "from-notes", "-i", "notes=@nowhere.md", "-m", "echo")
    assert missing.returncode != 0
    assert "notes: nowhere.md: no such file" in missing.stderr
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.md").write_text("y" * 900)  # each fits, together they do not
    over = writeit("run", "from-notes", "-i", "notes=@many/", "-m", "echo")
    assert over.returncode != 0
    assert "notes: many/ (all its files): is over 2000 characters" in over.stderr
    assert writeit("pipelines", "list", "--json").stdout.strip() == "[]"


def test_pipelines_start_reads_files_as_run_does(writeit: Runner, tmp_path: Path) -> None:
    notes_folder(tmp_path)
    started = writeit("pipelines", "start", "from-notes", "-i", "notes=@notes/", "-m", "echo", "--json")
    assert started.returncode == 0, started.stderr
    assert stored_inputs(writeit) == [{"notes": EXPECTED}]
