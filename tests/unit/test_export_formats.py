"""One export query for every interface: Markdown of a branch, or the whole history as JSON, YAML or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.unit.service_fixtures import World, world
from writeit.application.export_formats import FORMATS, SUFFIXES
from writeit.domain.errors import InvalidCommandError


async def a_started_round(tmp_path: Path) -> tuple[World, str]:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "Événements ✓"})
    await (await w.service.generate(view.id)).wait()
    angles = (await w.service.get(view.id)).step("angles").candidates
    await w.service.select(view.id, "angles", angles[0].id)
    return w, view.id


async def test_json_yaml_and_json_lines_all_carry_the_same_history(tmp_path: Path) -> None:
    w, pid = await a_started_round(tmp_path)
    history = json.loads(json.dumps(await w.service.export_history(pid)))
    as_json = await w.service.export(pid, "json")
    assert json.loads(as_json) == history
    assert as_json.endswith("}\n")
    assert "Événements ✓" in as_json  # written as itself, not escaped
    assert yaml.safe_load(await w.service.export(pid, "yaml")) == history
    lines = (await w.service.export(pid, "jsonl")).splitlines()
    assert [json.loads(line) for line in lines] == history["events"]


async def test_markdown_is_the_branch_article_with_the_appendix_when_asked(tmp_path: Path) -> None:
    w, pid = await a_started_round(tmp_path)
    await w.service.fork(pid, "angles", "other")
    article = await w.service.export(pid, "markdown", branch="main", appendix=True)
    assert 'branch: "main"' in article
    assert "## Appendix: the road not taken" in article
    assert 'branch: "other"' in await w.service.export(pid, "markdown")


async def test_an_unknown_format_is_refused_with_the_formats_named_and_nothing_read(tmp_path: Path) -> None:
    w = world(tmp_path)
    with pytest.raises(InvalidCommandError, match=r"unknown export format 'xml' \(expected one of: markdown, json, "):
        await w.service.export("no-such-pipeline", "xml")


async def test_without_a_yaml_writer_a_yaml_export_is_refused_and_the_others_still_work(tmp_path: Path) -> None:
    w, pid = await a_started_round(tmp_path)
    w.service._yaml = None
    with pytest.raises(InvalidCommandError, match="YAML export is not available"):
        await w.service.export(pid, "yaml")
    assert json.loads(await w.service.export(pid, "json"))["pipeline"]["id"] == pid


def test_every_format_has_a_file_suffix_for_the_interfaces_to_offer() -> None:
    assert FORMATS == ("markdown", "json", "yaml", "jsonl")
    assert [SUFFIXES[f] for f in FORMATS] == [".md", ".json", ".yaml", ".jsonl"]
