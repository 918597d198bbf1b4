"""Item 4: 8 candidates of one step on a model that streams at a fixed rate, against one alone (target ≤ 1.2×).

The model is a real HTTP one: the tests' OpenAI-compatible server, registered through llm's
extra-openai-models.yaml, streaming one word per `DELAY` seconds. Everything between is the app's own path
(container, LMDB store, generator, runner, llm adapter).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from tests.e2e.openai_server import Behaviour, OpenAICompatibleServer

from benchmarks.common import Row, at_most, isolated_home, main, scaled
from writeit.entrypoints.container import opened

FAN = 8
DELAY = 0.02  # seconds per chunk: 50 chunks a second, a fast hosted model's pace
TEMPLATE = """
metadata: {name: bench-fanout}
steps:
  only: {name: Only, prompt_template: "Say the words."}
"""


async def _round(service: Any, candidates: int) -> float:
    """Seconds from asking for `candidates` answers to the last one being recorded."""
    view = await service.start("bench-fanout", {})
    start = time.perf_counter()
    generation = await service.generate(view.id, models=["fixed-rate"] * candidates)
    await generation.wait()
    elapsed = time.perf_counter() - start
    statuses = [c.status for c in (await service.get(view.id)).step("only").candidates]
    if statuses != ["completed"] * candidates:
        raise RuntimeError(f"a candidate did not complete: {statuses}")
    return elapsed


async def _measure(repeats: int) -> tuple[float, float]:
    async with opened() as container:
        service = container.pipelines()
        await _round(service, FAN)  # warm: plugins loaded, model looked up, connections opened
        alone = statistics.median([await _round(service, 1) for _ in range(repeats)])
        together = statistics.median([await _round(service, FAN) for _ in range(repeats)])
    return alone, together


def run(size: str) -> list[Row]:
    chunks, repeats = scaled(size, 10, 50), scaled(size, 1, 5)
    reply = " ".join(f"word{i}" for i in range(chunks))
    with isolated_home() as root, OpenAICompatibleServer({"fixed": Behaviour(reply=reply, delay=DELAY)}) as server:
        (root / "llm").mkdir(exist_ok=True)
        server.register(Path(root / "llm"), {"fixed-rate": "fixed"})
        (root / "home" / "templates").mkdir(parents=True)
        (root / "home" / "templates" / "bench-fanout.yaml").write_text(TEMPLATE)
        alone, together = asyncio.run(_measure(repeats))
    ratio = together / alone
    print(f"fan-out: 1 candidate {alone:.3f} s, {FAN} concurrent {together:.3f} s, ratio {ratio:.2f}")
    return [
        Row(
            f"{FAN} candidates, {chunks} chunks at {DELAY * 1000:.0f} ms each (median of {repeats})",
            together,
            "s",
            "1 candidate alone",
            alone,
            target="≤ 1.2× reference",
            met=at_most(ratio, 1.2),
        )
    ]


if __name__ == "__main__":
    main(run)
