"""The judge is paid for as a candidate is: estimated against the budget first, then in the totals; the step
view carries its latest scores; a step's `criteria:` in its template is what the judge scores."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.contract.kept_bodies import KeptBodies
from tests.unit.service_fixtures import World, world
from writeit.adapters.memory.language_model import Script
from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.application.budget import Budget, BudgetExceededError
from writeit.domain.errors import TemplateInvalidError
from writeit.domain.pipeline import Pipeline

VERDICT = json.dumps({"scores": [{"draft": 1, "criterion": "tone", "score": 6, "reason": "flat"}]})
JUDGED = """
metadata: {name: judged}
inputs:
  topic: {type: text, required: true}
steps:
  angles:
    prompt_template: "Angles on {{ inputs.topic }}"
    response_count: 2
    criteria: [tone, "depth of sources"]
"""


async def _ready(tmp_path: Path, template: str = "three", budget: Budget | None = None) -> tuple[World, str]:
    w = world(tmp_path, {"paid": Script(chunks=(VERDICT,), usage=(100, 50))}, budget=budget)
    (tmp_path / "templates" / "judged.yaml").write_text(JUDGED)
    pid = (await w.service.start(template, {"topic": "judging"})).id
    await (await w.service.generate(pid, models=["echo"])).wait()
    return w, pid


async def test_the_judges_tokens_and_cost_are_in_the_pipelines_totals_and_its_summary(tmp_path: Path) -> None:
    w, pid = await _ready(tmp_path)
    before = await w.service.get(pid)
    found = await w.service.judge(pid, "angles", "paid", ["tone"])
    after = await w.service.get(pid)
    assert (found.usage["input_tokens"], found.usage["output_tokens"]) == (100, 50)
    assert found.usage["cost"] == pytest.approx((100 * 1.0 + 50 * 2.0) / 1e6)
    assert after.totals.input_tokens == before.totals.input_tokens + 100
    assert after.totals.output_tokens == before.totals.output_tokens + 50
    assert after.totals.cost == pytest.approx(before.totals.cost + found.usage["cost"])
    (summary,) = [s for s in await w.service.summaries() if s.id == pid]
    assert (summary.input_tokens, summary.cost) == (after.totals.input_tokens, after.totals.cost)


async def test_the_step_view_carries_the_latest_judgement_of_its_step(tmp_path: Path) -> None:
    w, pid = await _ready(tmp_path)
    assert (await w.service.get(pid)).step("angles").judgement is None
    await w.service.judge(pid, "angles", "paid", ["tone"])
    view = await w.service.get(pid)
    judgement = view.step("angles").judgement
    first = view.step("angles").candidates[0].id
    assert judgement is not None
    assert (judgement.model, judgement.criteria) == ("paid", ("tone",))
    assert judgement.scores == ({"candidate_id": first, "criterion": "tone", "score": 6, "reason": "flat"},)
    assert view.step("outline").judgement is None
    assert view.step("angles").selected is None


async def test_a_fork_shows_the_judgement_of_the_candidates_it_shares_and_counts_its_cost_once(
    tmp_path: Path,
) -> None:
    w, pid = await _ready(tmp_path)
    found = await w.service.judge(pid, "angles", "paid", ["tone"])
    main = await w.service.get(pid)
    forked = await w.service.fork(pid, "angles", "other")
    assert forked.branch == "other"
    judgement = forked.step("angles").judgement
    assert judgement is not None
    assert judgement.scores == found.scores
    assert forked.totals.cost == pytest.approx(main.totals.cost - found.usage["cost"])  # paid on main
    (summary,) = await w.service.summaries()
    assert summary.cost == pytest.approx(main.totals.cost)


async def test_a_judge_the_budget_cannot_pay_is_refused_before_the_call_and_nothing_is_stored(tmp_path: Path) -> None:
    w, pid = await _ready(tmp_path, budget=Budget(limit=0.0001, output_guess=1000))
    version, calls = (await w.service.get(pid)).version, len(w.models.requests)
    with pytest.raises(BudgetExceededError, match=r"step 'judge': 1 candidate\(s\) would cost about \$0\.002"):
        await w.service.judge(pid, "angles", "paid")
    assert len(w.models.requests) == calls
    assert (await w.service.get(pid)).version == version


async def test_a_judge_counts_in_what_the_budget_has_left(tmp_path: Path) -> None:
    # each judge is estimated at about $0.0003 (its prompt, and 100 tokens out at $2/M): the budget pays one
    w, pid = await _ready(tmp_path, budget=Budget(limit=0.00042, output_guess=100))
    await w.service.judge(pid, "angles", "paid", ["tone"])
    with pytest.raises(BudgetExceededError):
        await w.service.judge(pid, "angles", "paid", ["tone"])


async def test_the_judge_scores_the_steps_criteria_from_its_template_unless_told_others(tmp_path: Path) -> None:
    w, pid = await _ready(tmp_path, "judged")
    found = await w.service.judge(pid, "angles", "paid")
    assert found.criteria == ("tone", "depth of sources")
    assert "Criteria: tone, depth of sources" in w.models.requests[-1].prompt
    told = await w.service.judge(pid, "angles", "paid", ["wit"])
    assert told.criteria == ("wit",)


async def test_a_snapshot_keeps_the_judgements(tmp_path: Path) -> None:
    w, pid = await _ready(tmp_path)
    await w.service.judge(pid, "angles", "paid", ["tone"])
    events = await w.store.read(pid)
    pipeline = Pipeline.replay(events)
    restored = KeptBodies().round_trip(pipeline)
    assert restored.judgements == pipeline.judgements
    assert len(restored.judgements) == 1


def _problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(TemplateInvalidError) as caught:
        FileTemplateCatalog([]).parse(textwrap.dedent(text), "t.yaml")
    return [(p.field, p.line, p.message) for p in caught.value.problems]


def test_criteria_must_be_a_list_of_non_empty_texts_each_located() -> None:
    problems = _problems("""\
        steps:
          a:
            prompt_template: "Write."
            criteria: clarity
          b:
            prompt_template: "Write."
            criteria:
              - tone
              - ""
              - 7
              - Tone
        """)
    assert problems == [
        ("steps.a.criteria", 4, "must be a list of criteria (non-empty texts), like [clarity, tone], not 'clarity'"),
        ("steps.b.criteria[1]", 9, "an empty criterion: write what a judge scores, or remove the line"),
        ("steps.b.criteria[2]", 10, "each criterion must be a text (what a judge scores), not 7"),
        ("steps.b.criteria[3]", 11, "criterion 'Tone' is listed twice"),
    ]


def test_a_steps_criteria_load_into_the_template() -> None:
    template = FileTemplateCatalog([]).parse(JUDGED, "t.yaml")
    assert template.step("angles").criteria == ("tone", "depth of sources")
