"""The import rules bite: planted in a copy of the repository, a forbidden import makes `make test`'s check fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"  # what `make imports` (part of `make test`) runs
Check = Callable[[], subprocess.CompletedProcess[str]]

PLANTS = {  # module of the copy -> the import planted at its end, and how the broken contract names it
    "domain/codec.py": ("import msgspec", "writeit.domain.codec -> msgspec"),
    "domain/state.py": ("import rich", "writeit.domain.state -> rich"),
    "application/views.py": ("import yaml", "writeit.application.views -> yaml"),
    "entrypoints/formats.py": (
        "from writeit.adapters.lmdb import codec",
        "writeit.entrypoints.formats -> writeit.adapters",
    ),
    "entrypoints/settings.py": ("import writeit.adapters.files", "writeit.entrypoints.settings -> writeit.adapters"),
}


@pytest.fixture
def copy(tmp_path: Path) -> tuple[Path, Check]:
    """A copy of the sources and the import rules, and how to run the rules on it (not on this checkout)."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "tests").mkdir()
    for name in ("__init__.py", "import_contracts.py"):
        shutil.copy(REPO / "tests" / name, repo / "tests" / name)
    shutil.copy(REPO / "pyproject.toml", repo / "pyproject.toml")
    (tmp_path / "path").mkdir()
    (tmp_path / "path" / "writeit").symlink_to(repo / "src")  # `writeit` is the copy, ahead of the editable install

    def check() -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(tmp_path / "path")}
        return subprocess.run(
            [str(LINT_IMPORTS), "--no-cache"], cwd=repo, env=env, capture_output=True, text=True, timeout=300
        )

    return repo, check


def test_the_unplanted_copy_keeps_every_import_contract(copy: tuple[Path, Check]) -> None:
    _, check = copy
    result = check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_library_in_the_domain_or_application_and_an_adapter_outside_the_container_each_break_a_contract(
    copy: tuple[Path, Check],
) -> None:
    repo, check = copy
    for module, (line, _) in PLANTS.items():
        path = repo / "src" / module
        path.write_text(path.read_text() + f"\n{line}\n")
    result = check()
    assert result.returncode != 0
    for module, (_, named) in PLANTS.items():
        assert named in result.stdout, f"{module}: the planted import went unnoticed\n{result.stdout}"
    assert "3 broken" in result.stdout, "the domain's, the application's and the container's rules"
