"""PipelineStarted's `fragments`: recorded and read back by both codecs; a record from before them reads as none."""

from __future__ import annotations

import json

from tests.unit.builders import Clock, template
from writeit.adapters.lmdb.codec import decode, encode
from writeit.domain.codec import from_record, to_record
from writeit.domain.events import PipelineStarted
from writeit.domain.pipeline import Pipeline

FRAGMENT = {"source": "notes:kickoff", "content": "notes called kickoff"}


def test_fragments_are_recorded_at_start_and_survive_both_codecs() -> None:
    pipeline = Pipeline.start("p1", template(), {"topic": "x"}, Clock()(), fragments=[FRAGMENT])
    started = pipeline.collect()[0]
    assert isinstance(started, PipelineStarted)
    for event in (decode(encode(started)), from_record(json.loads(json.dumps(to_record(started))))):
        assert event == started
        assert Pipeline.replay([event]).fragments == (FRAGMENT,)


def test_a_pipeline_started_record_without_fragments_reads_as_none() -> None:
    record = to_record(Pipeline.start("p1", template(), {"topic": "x"}, Clock()()).collect()[0])
    del record["fragments"]
    stored = json.dumps(record).encode()
    for event in (decode(stored), from_record(json.loads(stored))):
        assert isinstance(event, PipelineStarted)
        assert event.fragments == ()
        assert Pipeline.replay([event]).fragments == ()
