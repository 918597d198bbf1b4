"""`writeit pipelines import FILE...`: many histories in one process; a bad file stops all, a taken id only itself."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Runner
from tests.e2e.test_workspaces_and_history import _ids


def _exported(writeit: Runner, tmp_path: Path, count: int) -> list[Path]:
    for n in range(count):
        assert writeit("run", "quick-article", "-i", f"topic=import {n}", "-m", "echo").returncode == 0
    files = []
    for pid in _ids(writeit, "default"):
        files.append(tmp_path / f"{pid}.json")
        assert writeit("pipelines", "export", pid, "--format", "json", "-o", str(files[-1])).returncode == 0
    return files


def test_many_histories_import_in_one_command_and_equal_their_originals(writeit: Runner, tmp_path: Path) -> None:
    files = _exported(writeit, tmp_path, 3)
    assert writeit("workspace", "create", "copy").returncode == 0
    imported = writeit("-w", "copy", "pipelines", "import", *map(str, files))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [f"imported pipeline {f.stem}" for f in files]
    assert sorted(_ids(writeit, "copy")) == sorted(f.stem for f in files)
    for f in files:
        shown = [json.loads(writeit(*ws, "pipelines", "show", f.stem, "--json").stdout) for ws in ([], ["-w", "copy"])]
        assert shown[0] == shown[1]


def test_one_unreadable_or_inconsistent_file_among_many_imports_nothing_and_names_each(
    writeit: Runner, tmp_path: Path
) -> None:
    files = _exported(writeit, tmp_path, 1)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "writeit.history/1", "events": [{"type": "CandidateSelected", "v": 1}]}')
    missing = tmp_path / "missing.json"
    assert writeit("workspace", "create", "copy").returncode == 0
    result = writeit("-w", "copy", "pipelines", "import", str(files[0]), str(bad), str(missing), str(files[0]))
    assert result.returncode == 1
    assert f"error: {bad}: " in result.stderr
    assert "inconsistent" in result.stderr
    assert f"error: {missing}: cannot read" in result.stderr
    assert f"is also in {files[0]}" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr
    assert _ids(writeit, "copy") == []


def test_a_pipeline_that_exists_already_is_refused_alone_and_the_others_are_imported(
    writeit: Runner, tmp_path: Path
) -> None:
    files = _exported(writeit, tmp_path, 2)
    assert writeit("workspace", "create", "copy").returncode == 0
    assert writeit("-w", "copy", "pipelines", "import", str(files[0])).returncode == 0
    result = writeit("-w", "copy", "pipelines", "import", str(files[0]), str(files[1]))
    assert result.returncode == 1
    assert f"error: {files[0]}: pipeline {files[0].stem} already exists" in result.stderr
    assert result.stdout.splitlines() == [f"imported pipeline {files[1].stem}"]
    assert sorted(_ids(writeit, "copy")) == sorted(f.stem for f in files)
