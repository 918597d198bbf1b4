"""The leaderboard and the preference export through the real CLI, on LMDB, with the offline echo and markov."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Runner


def _ok(writeit: Runner, *args: str) -> str:
    done = writeit(*args)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


def _show(writeit: Runner, pid: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(_ok(writeit, "pipelines", "show", pid, "--json"))
    return shown


def _round(writeit: Runner, pid: str, step: str) -> dict[str, dict[str, Any]]:
    """Generate `step` with the pipeline's models (echo and markov); its candidates by model."""
    _ok(writeit, "pipelines", "generate", pid, "--step", step)
    found = next(s for s in _show(writeit, pid)["steps"] if s["key"] == step)
    return {c["model"]: c for c in found["candidates"]}


def _start(writeit: Runner, topic: str) -> str:
    start = ("pipelines", "start", "quick-article", "-i", f"topic={topic}", "-m", "echo", "-m", "markov", "--json")
    return str(json.loads(_ok(writeit, *start))["id"])


def _journey(writeit: Runner, tmp_path: Path) -> tuple[str, str]:
    """Pipeline one: markov chosen on plan, an edit of echo's write; pipeline two: markov chosen on plan."""
    one = _start(writeit, "Leaderboards")
    plan = _round(writeit, one, "plan")
    _ok(writeit, "pipelines", "select", one, "plan", plan["markov"]["id"])  # markov > echo
    write = _round(writeit, one, "write")
    (tmp_path / "edit.md").write_text("The writer's own words.\n")
    edit = ("pipelines", "edit", one, "write", write["echo"]["id"], "--text-file", "edit.md")
    _ok(writeit, *edit)  # echo > markov (an edit of echo's answer prefers it)
    two = _start(writeit, "Exports")
    plan = _round(writeit, two, "plan")
    _ok(writeit, "pipelines", "select", two, "plan", plan["markov"]["id"])  # markov > echo
    return one, two


def test_the_leaderboard_counts_selections_and_edits_as_worked_by_hand(writeit: Runner, tmp_path: Path) -> None:
    _journey(writeit, tmp_path)
    board = json.loads(_ok(writeit, "models", "leaderboard", "--json"))
    # markov 2 wins 1 loss; with half a virtual win each way, odds 2.5 : 1.5, so 400·log10(5/3) = 88.74 apart.
    assert board["comparisons"] == 3
    assert [(m["model"], m["wins"], m["losses"]) for m in board["models"]] == [("markov", 2, 1), ("echo", 1, 2)]
    assert round(board["models"][0]["rating"], 2) == round(1500 + 200 * math.log10(5 / 3), 2) == 1544.37
    plan = json.loads(_ok(writeit, "models", "leaderboard", "--template", "quick-article", "--step", "plan", "--json"))
    # 2 : 0, so 2.5 : 0.5 with the prior: 400·log10(5) = 279.59 apart.
    assert [(m["model"], m["wins"], m["losses"]) for m in plan["models"]] == [("markov", 2, 0), ("echo", 0, 2)]
    assert round(plan["models"][0]["rating"] - plan["models"][1]["rating"], 2) == 279.59
    text = _ok(writeit, "models", "leaderboard", "--step", "write")
    assert "1 comparisons (step write)" in text
    assert text.splitlines()[2].split()[:4] == ["echo", "1595", "1", "0"]  # 1500 + 200·log10(3)
    assert "no preferences yet" in _ok(writeit, "models", "leaderboard", "--template", "tech-article")
    again = json.loads(_ok(writeit, "models", "leaderboard", "--json"))
    assert again == board, "read back from the stored projection, the same"


def test_the_dpo_export_holds_the_prompt_as_sent_and_both_texts_field_by_field(writeit: Runner, tmp_path: Path) -> None:
    one, two = _journey(writeit, tmp_path)
    done = writeit("preferences", "export", "--format", "dpo", "-o", "prefs.jsonl")
    assert done.returncode == 0, done.stderr
    assert "3 preference pairs written to prefs.jsonl" in done.stderr
    records = [json.loads(line) for line in (tmp_path / "prefs.jsonl").read_text().splitlines()]
    assert [sorted(r) for r in records] == [["chosen", "prompt", "rejected"]] * 3
    candidates = {c["id"]: c for p in (one, two) for s in _show(writeit, p)["steps"] for c in s["candidates"]}
    by_text = {c["text"]: c for c in candidates.values()}
    for record in records:
        rejected = by_text[record["rejected"]]
        chosen = by_text[record["chosen"]]
        source = candidates[chosen["sources"][0]] if chosen["origin"] == "edited" else chosen
        assert record["prompt"] == source["prompt"] == rejected["prompt"]
        assert source["model"] != rejected["model"]
    assert [r["chosen"].strip() for r in records].count("The writer's own words.") == 1
    jsonl = _ok(writeit, "preferences", "export", "--format", "jsonl", "--step", "write", "--pipeline", one[:8])
    (record,) = [json.loads(line) for line in jsonl.splitlines()]
    assert (record["chosen_model"], record["rejected_model"], record["how"]) == ("echo", "markov", "edited")
    assert (record["pipeline_id"], record["template"], record["step"]) == (one, "quick-article", "write")


def test_a_bad_format_or_an_unknown_pipeline_is_refused_and_writes_nothing(writeit: Runner, tmp_path: Path) -> None:
    bad = writeit("preferences", "export", "--format", "csv", "-o", "out.jsonl")
    assert bad.returncode == 2
    assert "'csv' is not one of: dpo, jsonl" in bad.stderr
    unknown = writeit("preferences", "export", "--format", "dpo", "--pipeline", "nope", "-o", "out.jsonl")
    assert unknown.returncode == 1
    assert "no pipeline 'nope'" in unknown.stderr
    assert "Traceback" not in bad.stderr + unknown.stderr
    assert not (tmp_path / "out.jsonl").exists()
