"""Item 3: the app's overhead per step on `echo` — a whole step (generate, wait, select) minus the model's time."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import llm

from benchmarks.common import Row, at_most, isolated_home, main, scaled
from writeit.entrypoints.container import opened

STEPS = ("angles", "outline", "draft", "polish")
TEMPLATE = """
metadata: {name: bench-steps}
inputs:
  topic: {type: text, required: true}
steps:
  angles: {name: Angles, prompt_template: "Three angles on {{ inputs.topic }}"}
  outline: {name: Outline, prompt_template: "Outline the angle {{ steps.angles }}"}
  draft: {name: Draft, prompt_template: "Draft from the outline {{ steps.outline }}"}
  polish: {name: Polish, prompt_template: "Polish this draft {{ steps.draft }}"}
"""


async def _steps(service: Any, pipelines: int) -> list[tuple[float, str]]:
    """(seconds, prompt) of every step of `pipelines` 4-step pipelines, each step on one echo candidate."""
    timings: list[tuple[float, str]] = []
    for n in range(pipelines):
        view = await service.start("bench-steps", {"topic": f"event sourcing, take {n}"})
        for step in STEPS:
            start = time.perf_counter()
            generation = await service.generate(view.id, step, models=["echo"])
            await generation.wait()
            view = await service.select(view.id, step, generation.candidate_ids[0])
            timings.append((time.perf_counter() - start, view.step(step).candidates[0].prompt))
    return timings


async def _echo_alone(prompt: str) -> float:
    """The echo model answering `prompt` through llm directly: the model's time, with no WriteIt around it."""
    model = llm.get_async_model("echo")
    start = time.perf_counter()
    response = model.prompt(prompt)
    async for _ in response:
        pass
    await response.usage()
    return time.perf_counter() - start


async def _measure(pipelines: int) -> tuple[list[float], list[float]]:
    async with opened() as container:
        service = container.pipelines()
        await _steps(service, 1)  # warm: plugins loaded, model looked up, template parsed
        timings = await _steps(service, pipelines)
        await _echo_alone("warm up")
        models = [await _echo_alone(prompt) for _, prompt in timings]
        await service.wait_idle()
    return [t for t, _ in timings], models


def run(size: str) -> list[Row]:
    pipelines = scaled(size, 2, 50)
    with isolated_home() as root:
        (root / "home" / "templates").mkdir(parents=True)
        (root / "home" / "templates" / "bench-steps.yaml").write_text(TEMPLATE)
        steps, models = asyncio.run(_measure(pipelines))
    step_ms = statistics.median(steps) * 1000
    model_ms = statistics.median(models) * 1000
    overhead = statistics.median(s - m for s, m in zip(steps, models, strict=True)) * 1000
    count = len(steps)
    return [
        Row(f"whole step on echo (generate, wait, select), median of {count}", step_ms, "ms", "echo alone", model_ms),
        Row("app overhead per step (step − model time)", overhead, "ms", target="≤ 5 ms", met=at_most(overhead, 5)),
    ]


if __name__ == "__main__":
    main(run)
