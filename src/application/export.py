"""Exports of a pipeline: Markdown with front-matter (the article), JSON with the whole history."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from writeit.application.errors import ImportRefusedError
from writeit.application.views import CandidateView, PipelineView, heading
from writeit.domain.codec import from_record, to_record
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline

HISTORY_FORMAT = "writeit.history/1"


def markdown(view: PipelineView, now: datetime, *, appendix: bool = False) -> str:
    """The selected text of the last step, under YAML front-matter describing how it was made.

    Before the last step is selected the export is a draft: the latest selection so far, with `draft: true`
    and the steps done in the front-matter (an empty body would look like a lost article).
    """
    final = _latest_selection(view)
    body = final.text if final else ""
    front = _front_matter(view, now)
    if not view.completed:
        front |= {"draft": True, "steps_done": _steps_done(view), "text_of_step": final.step if final else None}
    lines = ["---", *(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()), "---", ""]
    text = "\n".join(lines) + "\n" + body.strip() + "\n"
    if appendix:
        text += _appendix(view)
    return text


def _latest_selection(view: PipelineView) -> CandidateView | None:
    """The selection of the last step that has one (the article grows step by step: that is the latest text)."""
    return next((s.selected_candidate for s in reversed(view.steps) if s.selected_candidate is not None), None)


def _steps_done(view: PipelineView) -> list[str]:
    """The steps with a selection that is not stale, in order."""
    return [s.key for s in view.steps if s.selected is not None and not s.stale]


def _front_matter(view: PipelineView, now: datetime) -> dict[str, Any]:
    selected = [s.selected_candidate for s in view.steps if s.selected_candidate is not None]
    # JSON scalars and flow collections are valid YAML, so json.dumps keeps the front-matter parseable.
    return {
        "title": heading(view),
        "template": view.template,
        "pipeline": view.id,
        "branch": view.branch,
        "complete": view.completed,
        "models": sorted({c.model for c in selected}),
        "steps": {s.key: s.selected for s in view.steps},
        "input_tokens": view.totals.input_tokens,
        "output_tokens": view.totals.output_tokens,
        "cost_usd": view.totals.cost,
        "created": view.created_at,
        "updated": view.updated_at,
        "exported": now.isoformat(),
    }


def _appendix(view: PipelineView) -> str:
    parts = ["\n---\n\n## Appendix: the road not taken\n"]
    for step in view.steps:
        others = [c for c in step.candidates if c.id != step.selected and c.text]
        if not others and not step.feedback:
            continue
        parts.append(f"\n### {step.name}\n")
        parts.extend(f"\n> Feedback: {f}\n" for f in step.feedback)
        for c in others:
            parts.append(f"\n#### Candidate {c.id[:8]} ({c.model}, {c.status})\n\n{c.text.strip()}\n")
    return "".join(parts)


def history(view: PipelineView, events: Sequence[Event]) -> dict[str, Any]:
    """Everything: the current state and every event (every candidate, selection and feedback)."""
    return {
        "format": HISTORY_FORMAT,
        "pipeline": dataclasses.asdict(view),
        "events": [to_record(e) for e in events],
    }


def history_json(view: PipelineView, events: Sequence[Event]) -> str:
    return json.dumps(history(view, events), ensure_ascii=False, indent=2)


def read_history(history: Mapping[str, Any]) -> tuple[Pipeline, list[Event]]:
    """Decode and check an exported history: one pipeline, contiguous events that replay cleanly."""
    if history.get("format") != HISTORY_FORMAT:
        raise ImportRefusedError(f"not a WriteIt history (format should be {HISTORY_FORMAT!r})")
    records = history.get("events")
    if not isinstance(records, list) or not records:
        raise ImportRefusedError("the history has no events")
    try:
        events = [from_record(r) for r in records]
        pipeline = Pipeline.replay(events)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ImportRefusedError(f"the history's events are inconsistent: {exc}") from None
    if any(e.pipeline_id != pipeline.id for e in events):
        raise ImportRefusedError("the history mixes events of several pipelines")
    problem = _inconsistency(pipeline)
    if problem:
        raise ImportRefusedError(f"the history's events are inconsistent: {problem}")
    return pipeline, events


def _inconsistency(pipeline: Pipeline) -> str:
    """What a hand-edited history may break that replaying alone does not catch: references between events."""
    for branch in pipeline.branches.values():
        for key, step in branch.steps.items():
            missing = [c for c in step.candidate_ids if c not in pipeline.candidates]
            if missing:
                return f"step '{key}' of branch '{branch.name}' lists unknown candidates {missing[:3]}"
            if step.selected is not None and step.selected not in step.candidate_ids:
                return f"step '{key}' of branch '{branch.name}' selects '{step.selected}', not one of its candidates"
            if step.selected is not None and not pipeline.candidates[step.selected].usable:
                return f"step '{key}' of branch '{branch.name}' selects a candidate without text"
    return ""
