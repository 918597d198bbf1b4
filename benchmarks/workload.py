"""Realistic event streams for the store benchmarks, made by driving the real Pipeline aggregate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import count

from writeit.domain.codec import to_record
from writeit.domain.events import Event
from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.template import InputSpec, InputType, PipelineTemplate, StepSpec, TemplateMetadata

STEPS = ("angles", "outline", "draft", "polish")
# A candidate's answer and its prompt as sent: a few paragraphs each, like a small model's draft.
TEXT = ("Event sourcing keeps every change as an immutable fact, so nothing a writer chose is ever lost. " * 10)[:1000]
PROMPT = ("Write the next step from the selections so far, for software engineers, in a technical voice. " * 5)[:480]


def template() -> PipelineTemplate:
    return PipelineTemplate(
        metadata=TemplateMetadata(name="bench"),
        inputs=(InputSpec(key="topic", type=InputType.TEXT, required=True),),
        steps=tuple(StepSpec(key=k, name=k.title(), prompt_template=f"{k}: {{{{ inputs.topic }}}}") for k in STEPS),
        source="builtin:bench",
        text="metadata: {name: bench}\nsteps: {}\n" + "# a template of about a kilobyte\n" * 30,
    )


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1500)
        return self.now


def pipeline_events(pipeline_id: str, total: int, candidates: int = 3) -> list[Event]:
    """At least `total` events of one pipeline: every step generated with `candidates` models and selected, then
    rounds of feedback and regeneration of the last step, with a fork now and then (a long editing session)."""
    clock, ids = _Clock(), count(1)
    pipeline = Pipeline.start(pipeline_id, template(), {"topic": "LMDB as an event store"}, clock())
    for step in STEPS:
        _round(pipeline, step, candidates, clock, ids)
    rounds = 0
    while pipeline.version < total:
        rounds += 1
        step = STEPS[rounds % len(STEPS)] if rounds % 50 else STEPS[1]
        if rounds % 50 == 0:
            pipeline.fork(step, pipeline.next_branch_name(), clock())
        else:
            pipeline.give_feedback(STEPS[-1], "Shorter, and lead with the numbers.", clock())
        _round(pipeline, STEPS[-1] if rounds % 50 else step, candidates, clock, ids)
        if rounds % 50 == 0:
            for later in STEPS[STEPS.index(step) + 1 :]:
                _round(pipeline, later, candidates, clock, ids)
    return pipeline.collect()[:total]


def _round(pipeline: Pipeline, step: str, candidates: int, clock: _Clock, ids: count[int]) -> None:
    pairs = [(f"cand-{next(ids):06d}", "echo") for _ in range(candidates)]
    pipeline.start_step(step, pairs, clock(), prompt=PROMPT, session="bench-1")
    for cid, model in pairs:
        output = CandidateOutput(
            model=model, text=TEXT, prompt=PROMPT, input_tokens=90, output_tokens=180, duration_ms=2100
        )
        pipeline.complete_candidate(cid, output, clock())
    pipeline.select(step, pairs[0][0], clock())


def encoded(event: Event) -> bytes:
    """The event as the store writes it, so references store the same bytes."""
    return json.dumps(to_record(event), separators=(",", ":"), ensure_ascii=False).encode()


def payload_bytes(events: list[Event]) -> int:
    """The text a writer and the models produced: candidate texts, prompts, feedback, inputs, template text."""
    total = 0
    for event in events:
        for name in ("text", "prompt", "system", "template_text", "partial_text"):
            value = getattr(event, name, "")
            total += len(value.encode()) if isinstance(value, str) else 0
        inputs = getattr(event, "inputs", None)
        total += len(json.dumps(dict(inputs)).encode()) if inputs else 0
    return total
