"""What every benchmark module shares: the Row it reports, the size it runs at, and the table printer.

A benchmark module `benchmarks/<name>.py` exposes `run(size: str) -> list[Row]`, where size is "tiny" (a
smoke run of a second or so, used by the tests) or "full" (the figures for docs/performance.md). It measures
each figure beside its reference in the same run, so that the ratio means something on a loaded machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SIZES = ("tiny", "full")


@dataclass(frozen=True, slots=True)
class Row:
    """One figure: `value` in `unit`, beside what it is compared with (`reference`, measured in the same run).

    `target` is the PRODUCT.md target in words ("≤ 5 ms", "≥ 1× reference"); `met` says whether this run meets
    it (None when the figure has no target of its own).
    """

    name: str
    value: float
    unit: str
    reference: str = ""
    ref_value: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.ref_value is None or self.ref_value == 0:
            return None
        return self.value / self.ref_value


def at_most(value: float, bound: float) -> bool:
    return value <= bound


def at_least(value: float, bound: float) -> bool:
    return value >= bound


def scaled(size: str, tiny: int, full: int) -> int:
    """A count for this size; `size` must be one of SIZES."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    return tiny if size == "tiny" else full


def median_of(repeats: int, measure: Callable[[], float]) -> float:
    """The median of `repeats` runs of `measure` (each returns one figure), with garbage collected between."""
    results = []
    for _ in range(repeats):
        gc.collect()
        results.append(measure())
    return statistics.median(results)


def timed(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes, by the monotonic high-resolution clock."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextlib.contextmanager
def isolated_home() -> Iterator[Path]:
    """A throwaway WRITEIT_HOME and llm user dir, with only the offline test models, for the duration."""
    saved = {k: os.environ.get(k) for k in ("WRITEIT_HOME", "LLM_USER_PATH", "LLM_LOAD_PLUGINS")}
    with tempfile.TemporaryDirectory(prefix="writeit-bench-") as tmp:
        root = Path(tmp)
        os.environ["WRITEIT_HOME"] = str(root / "home")
        os.environ["LLM_USER_PATH"] = str(root / "llm")
        os.environ.setdefault("LLM_LOAD_PLUGINS", "llm-echo,llm-markov")
        try:
            yield root
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def _read(log: Path) -> str:
    return log.read_text(errors="replace")


async def wait_listening(process: subprocess.Popen[bytes], log: Path) -> str:
    """The URL a `writeit serve` subprocess announces in `log`; RuntimeError if it exits or takes over 60 s."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = _LISTENING.search(_read(log))
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{_read(log)}")
        await asyncio.sleep(0.05)
    raise RuntimeError("the server did not start within 60 s")


def fmt(value: float | None) -> str:
    """A figure with about three significant digits, thousands grouped."""
    if value is None:
        return ""
    if value != value:  # NaN: not measured
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


_HEADERS = ("benchmark", "ours", "reference", "ratio", "target", "met")


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table: each figure beside its reference and the ratio of the two."""
    lines = ["| " + " | ".join(_HEADERS) + " |", "|" + "|".join("---" for _ in _HEADERS) + "|"]
    for row in rows:
        ref = (
            f"{row.reference}: {fmt(row.ref_value)} {row.unit}"
            if row.reference and row.ref_value is not None
            else row.reference
        )
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
        met = {None: "", True: "yes", False: "**no**"}[row.met]
        cells = (row.name, f"{fmt(row.value)} {row.unit}", ref, ratio, row.target, met)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def row_line(row: Row) -> str:
    """One row as a single parseable line (`ROW\\t` + tab-separated fields), for modules run as subprocesses."""
    fields = (row.name, repr(row.value), row.unit, row.reference, repr(row.ref_value), row.target, repr(row.met))
    return "ROW\t" + "\t".join(fields)


def parse_row_line(line: str) -> Row | None:
    """The Row printed by `row_line`, or None for any other line."""
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 8 or parts[0] != "ROW":
        return None
    name, value, unit, reference, ref_value, target, met = parts[1:]
    return Row(
        name=name,
        value=float(value),
        unit=unit,
        reference=reference,
        ref_value=None if ref_value == "None" else float(ref_value),
        target=target,
        met=None if met == "None" else met == "True",
    )


def main(run: Callable[[str], list[Row]], argv: Sequence[str] | None = None) -> None:
    """`python -m benchmarks.<name> [tiny|full]`: print the module's rows as a table and as ROW lines."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    size = args[0] if args else "full"
    rows = run(size)
    print(table(rows))
    for row in rows:
        print(row_line(row))
