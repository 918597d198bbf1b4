"""Every benchmark runs at its tiny size and prints its rows. Timings are the benchmarks' business, not asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.__main__ import present
from benchmarks.common import Row, parse_row_line, row_line, table

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", present())
def test_each_benchmark_runs_at_its_tiny_size_and_reports_rows(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "tiny", "--only", name],
        cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "| benchmark | ours | reference | ratio | target | met |" in done.stdout
    assert "FAILED" not in done.stdout
    assert "error:" not in done.stdout  # a workload that failed measured nothing (how the API's 403s went unseen)


def test_an_unknown_benchmark_name_is_refused_with_the_list_of_known_ones() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "nope"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "store" in done.stderr


def test_a_row_survives_the_trip_through_a_subprocess_line_and_shows_its_ratio() -> None:
    row = Row("append", 12000.0, "events/s", "SQLite", 6000.0, "≥ 1× SQLite", True)
    assert parse_row_line(row_line(row)) == row
    assert parse_row_line("| a table line |") is None
    assert "| append | 12,000 events/s | SQLite: 6,000 events/s | 2.00× | ≥ 1× SQLite | yes |" in table([row])
