"""The streaming benchmark runs end to end at its smallest size and reports both figures and their ratio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import parse_row_line

ROOT = Path(__file__).resolve().parents[2]


def test_the_streaming_benchmark_reports_websocket_and_direct_rates() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.api_stream", "tiny"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ratio (WebSocket / direct):" in result.stdout
    rows = [row for line in result.stdout.splitlines() if (row := parse_row_line(line))]
    [row] = rows
    assert row.unit == "chunks/s"
    assert row.value > 0
    assert row.ref_value
