"""The TUI benchmark runs at its tiny size and reports frame times and memory (their values are not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import parse_row_line

ROOT = Path(__file__).resolve().parents[2]


def test_the_tui_benchmark_prints_frame_times_and_memory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.tui_frames", "tiny"],
        cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {row.name.split(" (")[0]: row for row in map(parse_row_line, done.stdout.splitlines()) if row}
    for name in ("TUI frame p50, 8 candidates streaming", "TUI frame p99, 8 candidates streaming"):
        assert rows[name].unit == "ms"
        assert rows[name].value > 0
    assert rows["TUI RSS idle under Pilot, headless"].value > 0
    assert rows["TUI RSS peak during a 4-step run"].value > 0
