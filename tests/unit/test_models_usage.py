"""Usage and cost: reported counts or marked estimates, prices from the packaged table and the user's, totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.builders import Clock, template
from writeit.adapters.llm.prices import PriceTableError, load_price_table
from writeit.application.usage import Price, PriceTable, usage_report
from writeit.domain.pipeline import CandidateOutput, Pipeline

TABLE = PriceTable({"paid": Price(input=2.0, output=10.0)})


def test_reported_usage_is_used_as_is_and_costs_its_price() -> None:
    usage = TABLE.usage("paid", "prompt", "text", (1000, 500))
    assert (usage.input_tokens, usage.output_tokens, usage.estimated) == (1000, 500, False)
    assert usage.cost == pytest.approx((1000 * 2 + 500 * 10) / 1e6)


def test_missing_usage_is_estimated_and_marked_so() -> None:
    usage = TABLE.usage("paid", "x" * 400, "y" * 40, (None, None))
    assert (usage.input_tokens, usage.output_tokens, usage.estimated) == (100, 10, True)


def test_a_model_without_a_price_costs_nothing() -> None:
    assert TABLE.usage("local", "prompt", "text", (10, 10)).cost == 0.0


def test_the_packaged_table_prices_the_common_hosted_models() -> None:
    table = load_price_table()
    assert table.price("gpt-4o-mini") == Price(input=0.15, output=0.60)
    assert table.price("markov") is None


def test_the_user_s_tables_extend_and_override_the_packaged_one_in_order(tmp_path: Path) -> None:
    home, workspace = tmp_path / "home.yaml", tmp_path / "workspace.yaml"
    home.write_text("gpt-4o-mini: {input: 1, output: 2}\nmy-model: {input: 3, output: 4}\n")
    workspace.write_text("my-model: {input: 5, output: 6}\n")
    table = load_price_table([home, workspace, tmp_path / "absent.yaml"])
    assert table.price("gpt-4o-mini") == Price(input=1.0, output=2.0)
    assert table.price("my-model") == Price(input=5.0, output=6.0)
    assert table.price("gpt-4o") is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: {input: 1, output: [\n", r"prices\.yaml:\d+: not valid YAML"),
        ("- just a list\n", "expected a mapping"),
        ("gpt-x: {input: 1}\n", "gpt-x: expected {input"),
        ("gpt-x: {input: -1, output: 2}\n", "gpt-x: input must be a number of dollars"),
        ("gpt-x: {input: yes, output: 2}\n", "gpt-x: input must be a number"),
    ],
)
def test_a_broken_user_table_is_refused_naming_file_and_model(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(text)
    with pytest.raises(PriceTableError, match=message) as raised:
        load_price_table([path])
    assert str(path) in str(raised.value)


def test_totals_per_step_per_branch_and_for_the_pipeline_count_each_candidate_once() -> None:
    clock = Clock()
    p = Pipeline.start("p1", template(), {"topic": "x"}, clock())
    p.start_step("angles", [("c1", "paid"), ("c2", "local")], clock())
    p.complete_candidate(
        "c1", CandidateOutput(model="paid", text="a", input_tokens=10, output_tokens=20, cost=0.5), clock()
    )
    estimated = CandidateOutput(model="local", text="b", input_tokens=1, output_tokens=2, usage_estimated=True)
    p.complete_candidate("c2", estimated, clock())
    p.select("angles", "c1", clock())
    p.start_step("outline", [("c3", "paid")], clock())
    p.complete_candidate(
        "c3", CandidateOutput(model="paid", text="c", input_tokens=5, output_tokens=5, cost=0.25), clock()
    )
    p.fork("outline", "alt", clock())
    p.start_step("outline", [("c4", "paid")], clock())
    p.complete_candidate(
        "c4", CandidateOutput(model="paid", text="d", input_tokens=7, output_tokens=7, cost=1.0), clock()
    )

    report = usage_report(p, "main")
    assert (report.steps["angles"].cost, report.steps["angles"].estimated) == (0.5, True)
    assert report.steps["outline"].input_tokens == 5
    assert report.steps["draft"].candidates == 0
    assert report.branches["main"].cost == pytest.approx(0.75)
    assert report.branches["alt"].cost == pytest.approx(1.75), "the fork shows what it was forked with, and its own"
    assert report.pipeline.cost == pytest.approx(1.75)
    assert report.pipeline.candidates == 4
