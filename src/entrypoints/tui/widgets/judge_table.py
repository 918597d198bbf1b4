"""The judge's table beside a step's candidates: a row per candidate, a column per criterion, each cell the score
and the judge's reason. It shows what was recorded; it never selects."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from writeit.application.views import Judgement


class JudgeTable(VerticalScroll):
    """Hidden until the step shown has a judgement; `show(None, ...)` hides it again."""

    DEFAULT_CSS = """
    JudgeTable { height: auto; max-height: 45%; display: none; border-top: solid $accent; }
    JudgeTable.-shown { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="judge-cells")

    def show(self, judgement: Judgement | None, numbers: Mapping[str, int]) -> None:
        self.set_class(judgement is not None, "-shown")
        if judgement is not None:
            self.query_one("#judge-cells", Static).update(judge_table(judgement, numbers))


def judge_table(judgement: Judgement, numbers: Mapping[str, int]) -> Table:
    """`numbers`: the candidate numbers on screen (a candidate not shown is named by its id's start)."""
    cost = judgement.usage.get("cost", 0.0)
    title = f"Judged by {judgement.model} (${cost:.4f}): it selects nothing; 1-9 selects"
    table = Table(title=title, title_justify="left", expand=True, show_lines=True)
    table.add_column("candidate", no_wrap=True)
    for criterion in judgement.criteria:
        table.add_column(criterion, ratio=1)
    cells: dict[str, dict[str, Text]] = {}
    for score in judgement.scores:
        cell = Text.assemble((f"{score['score']:g}", "bold"), f"  {score['reason']}")
        cells.setdefault(str(score["candidate_id"]), {})[str(score["criterion"])] = cell
    for cid, row in sorted(cells.items(), key=lambda item: numbers.get(item[0], 99)):
        label = str(numbers[cid]) if cid in numbers else cid[:8]
        table.add_row(label, *(row.get(c, Text("-", "dim")) for c in judgement.criteria))
    if judgement.error:
        table.caption = f"The judge's answer was recorded without scores: {judgement.error}"
    return table
