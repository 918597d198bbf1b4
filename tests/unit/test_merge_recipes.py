"""Merge recipes: named instructions from the workspace, then global, then built-in; merges of merges; merging
candidates that are still generating."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.unit.service_fixtures import world
from writeit.adapters.files.recipes import FileRecipeBook
from writeit.adapters.memory.language_model import Script
from writeit.application.merge_recipes import RecipeFileError, UnknownRecipeError, find_recipe


def book(tmp_path: Path) -> FileRecipeBook:
    return FileRecipeBook([("workspace", tmp_path / "ws.yaml"), ("global", tmp_path / "global.yaml")])


def test_the_workspace_recipe_wins_over_the_global_one_which_wins_over_the_built_in(tmp_path: Path) -> None:
    (tmp_path / "ws.yaml").write_text("tighten: Cut it to half.\n")
    (tmp_path / "global.yaml").write_text("tighten: {instruction: Cut a little.}\nmine: {instruction: My way.}\n")
    recipes = book(tmp_path)
    assert (find_recipe(recipes, "tighten").instruction, find_recipe(recipes, "tighten").origin) == (
        "Cut it to half.",
        "workspace",
    )
    assert find_recipe(recipes, "mine").origin == "global"
    assert find_recipe(recipes, "best-of").origin == "built-in"


def test_an_unknown_recipe_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(UnknownRecipeError) as raised:
        find_recipe(book(tmp_path), "nope")
    message = str(raised.value)
    assert f"workspace {tmp_path / 'ws.yaml'}" in message
    assert f"global {tmp_path / 'global.yaml'}" in message
    assert "built-in" in message
    assert "best-of" in message


def test_a_broken_recipes_file_names_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "ws.yaml").write_text("ok: fine\nbad: [unclosed\n")
    with pytest.raises(RecipeFileError, match=r"ws\.yaml:3"):
        book(tmp_path).all()
    (tmp_path / "ws.yaml").write_text("empty: {description: no instruction}\n")
    with pytest.raises(RecipeFileError, match="recipe 'empty' needs an instruction"):
        book(tmp_path).all()


async def test_a_merge_with_a_recipe_follows_its_instruction_and_records_its_name(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    ids = [c.id for c in (await w.service.get(view.id)).step("angles").candidates]
    after = await w.service.merge_by_model(view.id, "angles", ids, None, "echo", recipe="tighten")
    merged = after.step("angles").selected_candidate
    assert merged is not None
    assert merged.recipe == "tighten"
    assert "shortest text that keeps every distinct point" in w.models.requests[-1].prompt
    with pytest.raises(UnknownRecipeError):
        await w.service.merge_by_model(view.id, "angles", ids, None, "echo", recipe="nope")
    assert (await w.service.get(view.id)).version == after.version


async def test_a_merged_candidate_can_be_merged_again(tmp_path: Path) -> None:
    w = world(tmp_path)
    view = await w.service.start("three", {"topic": "LMDB"})
    await (await w.service.generate(view.id)).wait()
    ids = [c.id for c in (await w.service.get(view.id)).step("angles").candidates]
    first = (await w.service.merge_by_hand(view.id, "angles", ids, "merged once")).step("angles").selected
    assert first is not None
    again = await w.service.merge_by_model(view.id, "angles", [first, ids[0]], "again", "echo")
    merged = again.step("angles").selected_candidate
    assert merged is not None
    assert merged.sources == (first, ids[0])
    assert "merged once" in w.models.requests[-1].prompt


async def test_a_merge_started_while_a_candidate_streams_takes_its_text_so_far_and_says_so(tmp_path: Path) -> None:
    slow = Script(chunks=("first ", "words ", *["more "] * 50), delay=0.02)
    w = world(tmp_path, {"slow": slow, "fast": Script(chunks=("done",))})
    view = await w.service.start("three", {"topic": "LMDB"})
    generation = await w.service.generate(view.id, models=["fast", "slow"])
    models = {c.id: c.model for c in (await w.service.get(view.id)).step("angles").candidates}
    fast = next(c for c in generation.candidate_ids if models[c] == "fast")
    slow_id = next(c for c in generation.candidate_ids if models[c] == "slow")
    await asyncio.sleep(0.2)  # the fast candidates are done, the slow ones a few words in (of about a second)
    after = await w.service.merge_by_model(view.id, "angles", [fast, slow_id], "join", "echo")
    merged = after.step("angles").selected_candidate
    assert merged is not None
    assert merged.streaming_sources == (slow_id,)
    assert "first words" in merged.text
    assert next(c for c in after.step("angles").candidates if c.id == slow_id).status == "pending", "it goes on"
    await generation.wait()
