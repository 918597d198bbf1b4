"""Item 6 (startup): `writeit --help` wall time and peak RSS, its import time, and what it must not import."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.common import Row, at_most, main, scaled

# What `--help` must never load: the TUI, the API server, the model layer, the store.
HEAVY = ("textual", "fastapi", "uvicorn", "llm", "lmdb", "pydantic", "jinja2", "yaml")
# Imports the root command, runs `--help` in-process, and reports the import time and the heavy modules loaded.
_PROBE = """
import json, sys, time
start = time.perf_counter()
import writeit.entrypoints.main
elapsed = time.perf_counter() - start
sys.argv = ["writeit", "--help"]
try:
    writeit.entrypoints.main.run()
except SystemExit:
    pass
print(json.dumps({"import": elapsed, "heavy": [name for name in %r if name in sys.modules]}), file=sys.stderr)
"""


def _probe() -> tuple[float, list[str]]:
    done = subprocess.run([sys.executable, "-c", _PROBE % (HEAVY,)], capture_output=True, text=True, check=True)
    found = json.loads(done.stderr.strip().splitlines()[-1])
    return float(found["import"]), list(found["heavy"])


def _wall(argv: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one run of `argv`, from fork to exit."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def _writeit() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "writeit")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "writeit"]


def run(size: str) -> list[Row]:
    repeats = scaled(size, 2, 15)
    helps = [_wall([*_writeit(), "--help"]) for _ in range(repeats)]
    bare = [_wall([sys.executable, "-c", "pass"]) for _ in range(repeats)]
    probes = [_probe() for _ in range(repeats)]
    imports = statistics.median(t for t, _ in probes)
    heavy = sorted({name for _, names in probes for name in names})
    help_s = statistics.median(t for t, _ in helps)
    python_s = statistics.median(t for t, _ in bare)
    rss = max(r for _, r in helps)
    return [
        Row("`writeit --help` wall time", help_s * 1000, "ms", "bare `python -c pass`", python_s * 1000, "≤ 300 ms",
            at_most(help_s, 0.3)),
        Row("import of writeit.entrypoints.main", imports * 1000, "ms"),
        Row("`writeit --help` peak RSS", rss, "MB", "bare python", max(r for _, r in bare)),
        Row(f"heavy modules `--help` loads ({', '.join(heavy) or 'none'})", len(heavy), "modules", target="0",
            met=not heavy),
    ]  # fmt: skip


if __name__ == "__main__":
    main(run)
