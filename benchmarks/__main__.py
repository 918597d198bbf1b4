"""`python -m benchmarks [--size tiny|full] [--only a,b]`: run every benchmark module present, print one table.

Each module runs in a subprocess of its own (`python -m benchmarks.<name> <size>`), so that one's imports,
threads and memory cannot colour another's figures. Modules print their rows as ROW lines (common.main);
a module that prints something else has its output shown as it is, below the table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import SIZES, Row, parse_row_line, table

# In the order of issue 8's list; a module not written yet is skipped.
REGISTRY = (
    "store", "durability", "overhead", "api_stream", "fanout", "startup", "tui_frames", "api_load", "web", "scale",
    "scale_load", "leaderboard", "postgres",
)  # fmt: skip
HERE = Path(__file__).resolve().parent
TIMEOUT = {"tiny": 300, "full": 1800}


@dataclass
class Outcome:
    name: str
    rows: list[Row] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


def present(only: list[str] | None = None) -> list[str]:
    names = [n for n in REGISTRY if (HERE / f"{n}.py").exists()]
    return [n for n in names if only is None or n in only]


def run_module(name: str, size: str) -> Outcome:
    """Run one benchmark module in a fresh interpreter with a throwaway home and only the offline models."""
    outcome = Outcome(name)
    with tempfile.TemporaryDirectory(prefix=f"writeit-bench-{name}-") as tmp:
        env = dict(os.environ)
        env.update(WRITEIT_HOME=str(Path(tmp) / "home"), LLM_USER_PATH=str(Path(tmp) / "llm"))
        env.setdefault("LLM_LOAD_PLUGINS", "llm-echo,llm-markov")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", f"benchmarks.{name}", size],
                cwd=tmp, env=env, capture_output=True, text=True, timeout=TIMEOUT[size], check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            outcome.error = f"timed out after {TIMEOUT[size]} s"
            return outcome
        outcome.seconds = time.perf_counter() - start
    for line in done.stdout.splitlines():
        row = parse_row_line(line)
        if row is not None:
            outcome.rows.append(row)
        elif line.strip() and not line.startswith("|"):  # its own table repeats the ROW lines
            outcome.other.append(line)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-5:]
        outcome.error = f"exit {done.returncode}: " + " / ".join(tail)
    elif not outcome.rows and not outcome.other:
        outcome.error = "printed nothing"
    return outcome


def _load() -> str:
    """The 1-minute load average: other work on the machine slows every figure, so the report says how busy."""
    return f"{os.getloadavg()[0]:.2f}"


def report(outcomes: list[Outcome], size: str, load: str) -> str:
    rows = [row for o in outcomes for row in o.rows]
    lines = [
        f"WriteIt benchmarks, size {size}, {time.strftime('%Y-%m-%d %H:%M')}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load average {load} before → {_load()} after (ratio = ours ÷ reference)"
    ]
    lines += ["", table(rows)]
    for o in outcomes:
        if o.other:
            lines += ["", f"{o.name} (as printed):", *(f"    {line}" for line in o.other)]
    failed = [o for o in outcomes if o.error]
    if failed:
        lines += ["", "FAILED:", *(f"  {o.name}: {o.error}" for o in failed)]
    lines += ["", "took: " + ", ".join(f"{o.name} {o.seconds:.1f} s" for o in outcomes)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="full", help="tiny: a smoke run of each; full: the figures")
    parser.add_argument("--only", help="comma-separated module names, e.g. store,startup")
    parser.add_argument("--list", action="store_true", help="list the benchmark modules present and exit")
    args = parser.parse_args(argv)
    only = args.only.split(",") if args.only else None
    names = present(only)
    if args.list:
        print("\n".join(names))
        return 0
    if not names:
        print(f"no benchmark module matches {args.only!r}; present: {', '.join(present())}", file=sys.stderr)
        return 2
    outcomes, load = [], _load()
    for name in names:
        print(f"running {name} ({args.size})…", file=sys.stderr, flush=True)
        outcomes.append(run_module(name, args.size))
    print(report(outcomes, args.size, load))
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
