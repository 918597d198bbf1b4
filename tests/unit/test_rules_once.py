"""Rules every interface shows alike, each written once in the application: the title and an export's file
name, and which earlier step a step waits for."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.service_fixtures import world
from writeit.application import export
from writeit.application.views import file_stem, heading
from writeit.entrypoints.tui.screens.exporting import default_stem


def test_the_file_stem_is_the_slug_of_the_topic_title_or_subject_else_the_template_with_the_id() -> None:
    assert file_stem({"topic": "LMDB for Writers!"}, "tech", "0123456789") == "lmdb-for-writers-01234567"
    assert file_stem({"subject": "Élan"}, "tech", "0123456789") == "lan-01234567"
    assert file_stem({"style": "formal"}, "Quick Article") == "quick-article"
    assert file_stem({"topic": "???"}, "tech") == "article"


async def test_the_tui_export_and_the_markdown_front_matter_use_the_same_title_and_name(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "Event logs"})
    assert default_stem(view).name == file_stem(view.inputs, view.template, view.id) == f"event-logs-{view.id[:8]}"
    assert heading(view) == "Event logs"
    assert 'title: "Event logs"' in export.markdown(view, datetime(2026, 1, 1, tzinfo=UTC))


async def test_a_step_waits_for_the_first_earlier_step_without_a_fresh_selection(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    assert [s.waits_for for s in view.steps] == ["", "angles", "angles"]
    generation = await w.service.generate(view.id)
    await generation.wait()
    selected = await w.service.select(view.id, "angles", generation.candidate_ids[0])
    assert [s.waits_for for s in selected.steps] == ["", "", "outline"]
