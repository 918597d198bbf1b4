"""A model's merge is accounted as any answer: its tokens and cost are the merged candidate's, and in the totals."""

from __future__ import annotations

from pathlib import Path

from tests.unit.service_fixtures import world
from writeit.adapters.memory.language_model import Script
from writeit.application.usage import Price, PriceTable
from writeit.domain import events as ev
from writeit.domain.codec import from_record, to_record


async def test_a_merge_by_a_model_records_its_tokens_and_cost_and_counts_them_in_the_totals(tmp_path: Path) -> None:
    w = world(tmp_path, {"paid": Script(chunks=("merged ", "text"), usage=(10, 4))})
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    ids = [c.id for c in (await w.service.get(view.id)).step("angles").candidates]
    before = (await w.service.get(view.id)).totals
    after = await w.service.merge_by_model(view.id, "angles", ids, "combine", "paid")
    merged = after.step("angles").selected_candidate
    assert merged is not None
    assert (merged.origin, merged.model, merged.text) == ("merged", "paid", "merged text")
    assert (merged.input_tokens, merged.output_tokens, merged.usage_estimated) == (10, 4, False)
    assert merged.cost == PriceTable({"paid": Price(input=1.0, output=2.0)}).cost("paid", 10, 4) > 0
    assert after.totals.input_tokens == before.input_tokens + 10
    assert after.totals.output_tokens == before.output_tokens + 4
    assert after.totals.cost == round(before.cost + merged.cost, 8)


async def test_a_merge_by_hand_records_no_tokens(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    ids = [c.id for c in (await w.service.get(view.id)).step("angles").candidates]
    merged = (await w.service.merge_by_hand(view.id, "angles", ids, "mine")).step("angles").selected_candidate
    assert merged is not None
    assert (merged.input_tokens, merged.output_tokens, merged.cost) == (0, 0, 0.0)


def test_a_merge_stored_before_merges_were_accounted_decodes_with_no_usage() -> None:
    record = to_record(
        ev.CandidatesMerged(
            pipeline_id="p", seq=5, at="t", branch="main", step="s", source_ids=("a", "b"), candidate_id="c", text="x"
        )
    )
    for key in ("input_tokens", "output_tokens", "usage_estimated", "cost", "duration_ms"):
        del record[key]
    event = from_record(record)
    assert isinstance(event, ev.CandidatesMerged)
    assert (event.input_tokens, event.output_tokens, event.cost) == (0, 0, 0.0)


def test_an_lmdb_record_of_a_merge_from_before_merges_were_accounted_decodes_with_no_usage() -> None:
    from writeit.adapters.lmdb.codec import decode, encode

    event = ev.CandidatesMerged(
        pipeline_id="p", seq=5, at="t", branch="main", step="s", source_ids=("a", "b"), candidate_id="c", text="x"
    )
    stored = encode(event)
    old = stored.split(b',"input_tokens"')[0] + b"}"
    assert decode(old) == event
