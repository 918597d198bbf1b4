"""Item 6 (startup): `writeit --help` wall time and peak RSS, its import time, and what it must not import;
the RSS of the real `writeit` TUI process, idle in a terminal, against a bare Textual app in the same terminal.

The commands run with their bytecode compiled and cached, as an installed writeit's is (pip compiles it); with
PYTHONDONTWRITEBYTECODE set, each run would compile WriteIt's sources again: about 30 ms more of `--help` (203
against 176 ms, medians of seven alternated starts by hand on 2026-12-04).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time

from benchmarks.common import Row, at_most, isolated_home, main, scaled
from benchmarks.scale_support import compiled_bytecode

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
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
heavy = [name for name in %r if name in sys.modules]
print(json.dumps({"import": elapsed, "heavy": heavy, "hwm": hwm}), file=sys.stderr)
"""
# The peak RSS of a bare interpreter, read the same way (the wait4 figure of a child includes its parent's pages
# from before exec, so it would measure this benchmark's own process).
_BARE_HWM = "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')))"


def _probe() -> tuple[float, list[str], float]:
    """Import time, the heavy modules loaded, and the peak RSS (MB) of `writeit --help` run in a fresh process."""
    done = subprocess.run([sys.executable, "-c", _PROBE % (HEAVY,)], capture_output=True, text=True, check=True)
    found = json.loads(done.stderr.strip().splitlines()[-1])
    return float(found["import"]), list(found["heavy"]), found["hwm"] / 1024


def _bare_hwm() -> float:
    done = subprocess.run([sys.executable, "-c", _BARE_HWM], capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def _wall(argv: list[str]) -> float:
    """Seconds of one run of `argv`, from fork to exit."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code = process.wait()
    elapsed = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}")
    return elapsed


def _writeit() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "writeit")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "writeit"]


_ANSI = re.compile(rb"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
BARE_TUI = "from textual.app import App\nfrom textual.widgets import Static\n" + (
    "class A(App):\n    def compose(self):\n        yield Static('ready')\nA().run()"
)


def _idle_rss_in_terminal(argv: list[str], ready: bytes, settle: float = 1.5) -> float:
    """VmRSS (MB) of `argv` running in a 120×40 pseudo-terminal, once `ready` is on its screen and it has settled."""
    return in_terminal(argv, ready, settle)[2]


def in_terminal(argv: list[str], ready: bytes, settle: float = 0.0) -> tuple[float, float, float]:
    """(seconds from spawn until `ready` is on the screen, VmHWM then, VmRSS after `settle` more seconds), in MB,
    of `argv` running in a 120×40 pseudo-terminal (spaces and escapes ignored in the match)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    screen, deadline = b"", time.monotonic() + 120
    try:
        while ready not in _ANSI.sub(b"", screen).replace(b" ", b""):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{' '.join(argv)} did not show {ready!r}: {_ANSI.sub(b'', screen)[-300:]!r}")
            if select.select([master], [], [], 0.05)[0]:
                screen += os.read(master, 65536)
        drawn, hwm = time.perf_counter() - start, _status(process.pid, "VmHWM")
        settled = time.monotonic() + settle
        while time.monotonic() < settled:  # keep draining, so the app never blocks writing to the terminal
            if select.select([master], [], [], 0.1)[0]:
                os.read(master, 65536)
        return drawn, hwm, _status(process.pid, "VmRSS")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(master)


def _status(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith(field + ":")).split()[1]) / 1024


def run(size: str) -> list[Row]:
    with compiled_bytecode():
        return _run(size)


def _run(size: str) -> list[Row]:
    repeats = scaled(size, 2, 15)
    helps = [_wall([*_writeit(), "--help"]) for _ in range(repeats)]
    bare = [_wall([sys.executable, "-c", "pass"]) for _ in range(repeats)]
    probes = [_probe() for _ in range(repeats)]
    imports = statistics.median(t for t, _, _ in probes)
    heavy = sorted({name for _, names, _ in probes for name in names})
    help_s = statistics.median(helps)
    python_s = statistics.median(bare)
    rss = max(r for _, _, r in probes)
    with isolated_home():
        tui = statistics.median(
            _idle_rss_in_terminal([*_writeit()], b"Pickatemplate") for _ in range(scaled(size, 1, 3))
        )
    bare_tui = _idle_rss_in_terminal([sys.executable, "-c", BARE_TUI], b"ready")
    return [
        Row("`writeit --help` wall time", help_s * 1000, "ms", "bare `python -c pass`", python_s * 1000, "≤ 300 ms",
            at_most(help_s, 0.3)),
        Row("import of writeit.entrypoints.main", imports * 1000, "ms"),
        Row("`writeit --help` peak RSS", rss, "MB", "bare python", _bare_hwm()),
        Row(f"heavy modules `--help` loads ({', '.join(heavy) or 'none'})", len(heavy), "modules", target="0",
            met=not heavy),
        Row("TUI RSS idle: `writeit` in a 120×40 terminal (picker shown, API server on)", tui, "MB",
            "bare Textual app, same terminal", bare_tui, "≤ 60 MB", at_most(tui, 60)),
    ]  # fmt: skip


if __name__ == "__main__":
    main(run)
