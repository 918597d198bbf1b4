"""Events round-trip through plain records, and old shapes are upcast on read."""

from __future__ import annotations

import json

import pytest

from writeit.domain import events as ev
from writeit.domain.codec import from_record, to_record


def test_every_event_survives_a_round_trip_through_json() -> None:
    event = ev.StepStarted(
        pipeline_id="p", seq=2, at="2026-01-01T00:00:00+00:00", branch="main", step="angles",
        generation=1, candidate_ids=("a", "b"), models=("echo", "markov"), prompt="ünï", session="h:1",
    )  # fmt: skip
    assert from_record(json.loads(json.dumps(to_record(event)))) == event


def test_a_hand_written_v1_step_started_is_upcast_to_the_current_shape() -> None:
    v1 = {
        "type": "StepStarted", "v": 1, "pipeline_id": "p", "seq": 2, "at": "2025-06-01T10:00:00+00:00",
        "branch": "main", "step": "outline", "generation": 1, "candidate_ids": ["c1"], "models": ["gpt-4o-mini"],
        "prompt": "Outline it", "system": "",
    }  # fmt: skip
    event = from_record(v1)
    assert isinstance(event, ev.StepStarted)
    assert event.session == ""
    assert event.candidate_ids == ("c1",)
    assert to_record(event)["v"] == 2


def test_a_v1_pipeline_started_is_upcast_with_no_chosen_models() -> None:
    v1 = {
        "type": "PipelineStarted", "v": 1, "pipeline_id": "p", "seq": 1, "at": "2025-06-01T10:00:00+00:00",
        "template_name": "t", "template_source": "builtin", "template_text": "steps: {}", "step_keys": ["a"],
        "inputs": {"topic": "x"},
    }  # fmt: skip
    event = from_record(v1)
    assert isinstance(event, ev.PipelineStarted)
    assert event.models == ()
    assert to_record(event)["v"] == 2


def test_an_unknown_event_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'StepExploded'"):
        from_record({"type": "StepExploded", "v": 1})


def test_a_record_missing_required_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="malformed CandidateSelected"):
        from_record({"type": "CandidateSelected", "v": 1, "pipeline_id": "p", "seq": 1, "at": "x"})
