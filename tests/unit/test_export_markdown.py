"""The Markdown export: the article under front-matter, or before the last step a draft of the latest selection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.unit.service_fixtures import world


def split(markdown: str) -> tuple[dict[str, Any], str]:
    _, front, body = markdown.split("---\n", 2)
    return yaml.safe_load(front), body.strip()


async def test_an_export_before_the_last_step_is_a_draft_of_the_latest_selection(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    angles = (await w.service.get(view.id)).step("angles").candidates
    await w.service.select(view.id, "angles", angles[1].id)
    front, body = split(await w.service.export_markdown(view.id))
    assert body == angles[1].text.strip()
    assert front["draft"] is True
    assert front["steps_done"] == ["angles"]
    assert front["text_of_step"] == "angles"
    assert front["complete"] is False


async def test_an_export_with_nothing_selected_is_an_empty_draft(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    front, body = split(await w.service.export_markdown(view.id))
    assert (front["draft"], front["steps_done"], front["text_of_step"], body) == (True, [], None, "")


async def test_the_export_of_a_finished_pipeline_is_the_article_and_no_draft(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    for key in ("angles", "outline", "draft"):
        await (await w.service.generate(view.id, key)).wait()
        view = await w.service.select(view.id, key, (await w.service.get(view.id)).step(key).candidates[0].id)
    front, body = split(await w.service.export_markdown(view.id))
    assert "draft" not in front
    selected = view.step("draft").selected_candidate
    assert selected is not None
    assert body == selected.text.strip()
