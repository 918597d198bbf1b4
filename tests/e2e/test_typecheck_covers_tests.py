"""`make typecheck` (part of `make test`) holds the tests and the benchmarks to mypy --strict, not only src."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
PLANTED = 'def _planted() -> int:\n    return "not a number"\n'


def _copy(target: Path) -> None:
    """The sources, the tests, the benchmarks and the build files; mypy's cache too, so only what changed is
    checked again."""
    skip = shutil.ignore_patterns("__pycache__", "__snapshots__", "*.mdb")
    for name in ("src", "tests", "benchmarks"):
        shutil.copytree(REPO / name, target / name, ignore=skip, symlinks=True)
    if (REPO / ".mypy_cache").is_dir():
        shutil.copytree(REPO / ".mypy_cache", target / ".mypy_cache")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(REPO / name, target / name)


def test_a_type_error_planted_in_a_test_and_in_a_benchmark_fails_make_typecheck_naming_both(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    _copy(copy)
    for module in ("tests/unit/builders.py", "benchmarks/common.py"):
        with (copy / module).open("a") as planted:
            planted.write("\n\n" + PLANTED)
    done = subprocess.run(
        ["make", "-s", "typecheck", f"VENV={VENV}", "-o", f"{VENV}/.dev"],
        cwd=copy, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    for module in ("tests/unit/builders.py", "benchmarks/common.py"):
        assert re.search(rf"^{re.escape(module)}:\d+: error: Incompatible return value type", out, re.M), out
