"""Tracked changes through the service: a revision's changes against its source, decided and recorded as an edit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.service_fixtures import World, world
from writeit.adapters.memory.language_model import Script
from writeit.domain import events as ev
from writeit.domain.codec import from_record, to_record
from writeit.domain.errors import InvalidCommandError


async def edited(tmp_path: Path) -> tuple[World, str, str, str]:
    w = world(tmp_path, {"m": Script(chunks=("The store keeps every event.",))}, default_model="m")
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    source = (await w.service.get(view.id)).step("angles").candidates[0].id
    after = await w.service.edit(view.id, "angles", source, "The log keeps each event.")
    revision = after.step("angles").selected
    assert revision is not None
    return w, view.id, source, revision


async def test_an_edit_shows_its_word_changes_against_the_candidate_it_rewrote(tmp_path: Path) -> None:
    w, pid, source, revision = await edited(tmp_path)
    changes = await w.service.tracked.changes(pid, "angles", revision)
    assert changes.against == source
    assert [(c.before, c.after) for c in changes.changes] == [(" store", " log"), (" every", " each")]


async def test_the_decisions_become_the_writers_edit_and_each_change_remembers_its_origin(tmp_path: Path) -> None:
    w, pid, source, revision = await edited(tmp_path)
    view = await w.service.tracked.decide(pid, "angles", revision, accept=[2], reject=[1])
    result = view.step("angles").selected_candidate
    assert result is not None
    assert (result.origin, result.edit_of, result.against) == ("edited", revision, source)
    assert result.text == "The store keeps each event."
    assert [(c["n"], c["accepted"], c["from"]) for c in result.changes] == [(1, False, revision), (2, True, revision)]
    stored = (await w.service.events(pid))[-2]
    assert isinstance(stored, ev.CandidateEdited)
    assert stored.changes[0]["before"] == " store"


async def test_a_merge_by_a_model_is_diffed_against_the_source_the_writer_names(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    ids = [c.id for c in (await w.service.get(view.id)).step("angles").candidates]
    merged = (await w.service.merge_by_model(view.id, "angles", ids, "join", "echo")).step("angles").selected
    assert merged is not None
    assert (await w.service.tracked.changes(view.id, "angles", merged)).against == ids[0]
    assert (await w.service.tracked.changes(view.id, "angles", merged, against=ids[1])).against == ids[1]


async def test_a_step_whose_prompt_carries_the_previous_steps_text_is_diffed_against_it(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    angle = (await w.service.get(view.id)).step("angles").candidates[1].id
    await w.service.select(view.id, "angles", angle)
    await (await w.service.generate(view.id, "outline")).wait()
    outline = (await w.service.get(view.id)).step("outline").candidates[0].id
    assert (await w.service.tracked.changes(view.id, "outline", outline)).against == angle


async def test_a_candidate_that_revises_nothing_or_a_wrong_decision_is_refused_and_records_nothing(
    tmp_path: Path,
) -> None:
    w, pid, source, revision = await edited(tmp_path)
    version = (await w.service.get(pid)).version
    with pytest.raises(InvalidCommandError, match="revises no earlier text"):
        await w.service.tracked.changes(pid, "angles", source)
    with pytest.raises(InvalidCommandError, match="no change 7"):
        await w.service.tracked.decide(pid, "angles", revision, accept=[7])
    with pytest.raises(InvalidCommandError, match="did not revise"):
        await w.service.tracked.changes(pid, "angles", revision, against="other")
    assert (await w.service.get(pid)).version == version


@pytest.mark.parametrize("kind", ["CandidateEdited", "CandidatesMerged"])
def test_an_edit_or_merge_stored_before_tracked_changes_and_guided_merges_decodes_with_none(kind: str) -> None:
    from writeit.adapters.lmdb.codec import decode, encode

    fields: dict[str, Any] = {
        "pipeline_id": "p",
        "seq": 5,
        "at": "t",
        "branch": "main",
        "step": "s",
        "candidate_id": "c",
        "text": "x",
    }
    event = (
        ev.CandidateEdited(**fields, source_id="a")
        if kind == "CandidateEdited"
        else ev.CandidatesMerged(**fields, source_ids=("a", "b"))
    )
    record = to_record(event)
    new = (
        ("against", "changes") if kind == "CandidateEdited" else ("extraction_id", "points", "recipe", "streaming_ids")
    )
    for key in new:
        del record[key]
    assert from_record(record) == event
    stored = encode(event)
    old = stored.split(f',"{new[0]}"'.encode())[0] + b"}"
    assert decode(old) == event
