"""Small builders for unit tests: a three-step template and a pipeline driven to a given point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.template import InputSpec, InputType, PipelineTemplate, StepSpec, TemplateMetadata

STEPS = ("angles", "outline", "draft")
_ids = count(1)


def template() -> PipelineTemplate:
    return PipelineTemplate(
        metadata=TemplateMetadata(name="three-steps"),
        inputs=(InputSpec(key="topic", type=InputType.TEXT, required=True),),
        steps=tuple(StepSpec(key=k, name=k.title(), prompt_template=f"{k} for {{{{ inputs.topic }}}}") for k in STEPS),
        source="builtin:three-steps",
        text="metadata: {name: three-steps}",
    )


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def new_id() -> str:
    return f"c{next(_ids)}"


def started(clock: Clock | None = None) -> Pipeline:
    clock = clock or Clock()
    return Pipeline.start("p1", template(), {"topic": "LMDB"}, clock())


def generate(p: Pipeline, step: str, clock: Clock, n: int = 2, text: str = "text") -> list[str]:
    ids = [new_id() for _ in range(n)]
    p.start_step(step, [(cid, "echo") for cid in ids], clock(), prompt=f"prompt {step}")
    for i, cid in enumerate(ids):
        p.complete_candidate(cid, CandidateOutput(model="echo", text=f"{text} {step} {i}"), clock())
    return ids


def through(p: Pipeline, last_step: str, clock: Clock) -> dict[str, list[str]]:
    """Generate and select the first candidate of every step up to and including `last_step`."""
    made: dict[str, list[str]] = {}
    for key in STEPS[: STEPS.index(last_step) + 1]:
        made[key] = generate(p, key, clock)
        p.select(key, made[key][0], clock())
    return made
