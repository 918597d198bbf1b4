"""The LMDB adapter's fast codec stores exactly the domain codec's records and reads back the same events."""

from __future__ import annotations

import json
from types import MappingProxyType

import pytest

from writeit.adapters.lmdb.codec import decode, encode
from writeit.domain import events as ev
from writeit.domain.codec import from_record, to_record

AT = "2026-01-01T00:00:00+00:00"
SAMPLES: list[ev.Event] = [
    ev.PipelineStarted(
        pipeline_id="p", seq=1, at=AT, template_name="t", template_source="builtin:t", template_text='a: "é"\n\x01',
        step_keys=("a", "b"), inputs=MappingProxyType({"topic": "LMDB ✓", "n": 3, "tags": ["x", "y"], "none": None}),
    ),
    ev.StepStarted(
        pipeline_id="p", seq=2, at=AT, branch="main", step="a", generation=1, candidate_ids=("c1", "c2"),
        models=("echo", "markov"), prompt="Write\u2028it", session="s-1",
    ),
    ev.CandidateCompleted(
        pipeline_id="p", seq=3, at=AT, candidate_id="c1", model="echo", text="ok", input_tokens=3, cost=1.5e-07,
        usage_estimated=True,
    ),
    ev.CandidatesMerged(
        pipeline_id="p", seq=4, at=AT, branch="main", step="a", source_ids=("c1", "c2"), candidate_id="m", text="x"
    ),
    ev.BranchForked(pipeline_id="p", seq=5, at=AT, branch="alt", parent="main", from_step="a"),
]  # fmt: skip


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_the_stored_bytes_are_the_domain_record_and_read_back_as_the_same_event(event: ev.Event) -> None:
    stored = encode(event)
    assert json.loads(stored) == json.loads(json.dumps(to_record(event)))
    assert decode(stored) == event == from_record(json.loads(stored))
    assert decode(memoryview(stored)) == event


def test_a_record_of_an_older_version_is_upcast_on_the_way_in() -> None:
    v1 = {**to_record(SAMPLES[1]), "v": 1}
    del v1["session"]
    event = decode(json.dumps(v1).encode())
    assert isinstance(event, ev.StepStarted)
    assert event.session == ""


def test_records_written_by_the_plain_json_encoder_read_the_same() -> None:
    for event in SAMPLES:
        plain = json.dumps(to_record(event), ensure_ascii=True).encode()
        assert decode(plain) == event


@pytest.mark.parametrize(
    "stored",
    [b"", b"[1, 2]", b"not json", b'{"type":"Nope","v":1}', b'{"type":"BranchSwitched","v":1,"seq":1}'],
)
def test_what_cannot_be_read_is_a_value_error(stored: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 -- the store turns any of them into a StoreError naming the key
        decode(stored)
