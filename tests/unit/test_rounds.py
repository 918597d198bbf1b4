"""A step's rounds: the current one first (keys 1–9), earlier ones labelled; who wrote each candidate."""

from __future__ import annotations

from pathlib import Path

from tests.unit.service_fixtures import world
from writeit.application.rounds import arrange, current_round, origin_label


async def test_a_new_round_comes_first_and_the_earlier_selection_after_it_labelled(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    first = (await w.service.get(view.id)).step("angles").candidates
    await w.service.select(view.id, "angles", first[1].id)
    await (await w.service.generate(view.id, "angles")).wait()
    step = (await w.service.get(view.id)).step("angles")
    new = step.candidates[2:]
    shown = arrange(step)
    assert [(s.candidate.id, s.number, s.earlier) for s in shown] == [
        (new[0].id, 1, ""),
        (new[1].id, 2, ""),
        (first[1].id, 3, "round 1 (earlier)"),
    ]
    assert [c.id for c in current_round(step)] == [c.id for c in new]
    everything = arrange(step, everything=True)
    assert [s.candidate.id for s in everything] == [new[0].id, new[1].id, first[0].id, first[1].id]


async def test_a_lone_regeneration_joins_its_round(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    first = (await w.service.get(view.id)).step("angles").candidates
    await (await w.service.generate(view.id, "angles", candidate_id=first[0].id)).wait()
    step = (await w.service.get(view.id)).step("angles")
    assert [s.number for s in arrange(step)] == [1, 2, 3]
    assert all(not s.earlier for s in arrange(step))


async def test_an_edit_and_a_merge_are_labelled_with_the_numbers_of_their_sources(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "x"})
    await (await w.service.generate(view.id)).wait()
    a, b = (await w.service.get(view.id)).step("angles").candidates
    await w.service.edit(view.id, "angles", b.id, "mine")
    step = (await w.service.merge_by_hand(view.id, "angles", [a.id, b.id], "both")).step("angles")
    numbers = {s.candidate.id: s.number for s in arrange(step)}
    assert [origin_label(c, numbers) for c in step.candidates] == [
        "echo",
        "echo",
        "your edit of candidate 2",
        "your merge of 1 + 2",
    ]
