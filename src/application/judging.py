"""A judge model scores a step's candidates on criteria, each score with its reason; it never selects.

The call goes the candidates' path (StepGenerator.ask: the budget checked against an estimate first, the fan-out
limit, retries, the response cache), and its usage and cost count in the pipeline's totals. An answer without
usable scores is still recorded, with why, since it was paid for. The criteria are the caller's, else the step's
`criteria:` in its template, else DEFAULT_CRITERIA.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from writeit.application.generation import StepGenerator
from writeit.application.merge_access import PipelineAccess
from writeit.application.views import Judgement
from writeit.domain.pipeline import Pipeline
from writeit.domain.template import PipelineTemplate

DEFAULT_CRITERIA = ("clarity", "accuracy", "fit to the brief")
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
__all__ = ["DEFAULT_CRITERIA", "Judgement", "Judging", "judge_prompt", "parse_scores"]


def judge_prompt(brief: str, criteria: Sequence[str], texts: Sequence[str]) -> str:
    drafts = "\n\n".join(f"--- Draft {i} ---\n{t}" for i, t in enumerate(texts, 1))
    example = json.dumps({"scores": [{"draft": 1, "criterion": criteria[0], "score": 7, "reason": "one sentence"}]})
    return (
        "Judge these drafts, each written for the brief below. Score every draft on every criterion from 1 (poor)"
        f" to 10 (excellent), with a one-sentence reason.\n\nCriteria: {', '.join(criteria)}\n\n"
        f"Brief:\n{brief}\n\n{drafts}\n\nReply with JSON only, like: {example}"
    )


def parse_scores(text: str, criteria: Sequence[str], ids: Sequence[str]) -> tuple[list[dict[str, Any]], str]:
    """The scores a judge's answer gives (by candidate id), and an error when it gives none usable."""
    found = _OBJECT.search(text)
    try:
        items = json.loads(found.group(0))["scores"] if found else None
    except (ValueError, KeyError, TypeError):
        items = None
    if not isinstance(items, list):
        return [], f"the judge's answer holds no scores as asked: {' '.join(text.split())[:80]!r}"
    by_name = {c.casefold(): c for c in criteria}
    scores = [s for s in (_score(item, by_name, ids) for item in items) if s is not None]
    return scores, "" if scores else "the judge's answer scores no draft on the criteria asked"


def _score(item: Any, criteria: dict[str, str], ids: Sequence[str]) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        return None
    draft, score, criterion = item.get("draft"), item.get("score"), str(item.get("criterion", "")).casefold()
    if not isinstance(draft, int) or not 1 <= draft <= len(ids) or criterion not in criteria:
        return None
    if isinstance(score, bool) or not isinstance(score, int | float) or not 1 <= score <= 10:
        return None
    reason = str(item.get("reason", ""))[:500]
    return {"candidate_id": ids[draft - 1], "criterion": criteria[criterion], "score": score, "reason": reason}


class Judging:
    """Judge a step's candidates: load the pipeline as its caller saw it, ask the judge, record what it said."""

    def __init__(
        self,
        access: PipelineAccess,
        generator: StepGenerator,
        template_of: Callable[[Pipeline], PipelineTemplate | None],
    ) -> None:
        self._access, self._generator, self._template_of = access, generator, template_of

    async def judge(
        self, pipeline_id: str, step: str, model: str | None = None, criteria: Sequence[str] = (),
        expected_version: int | None = None, *, branch: str | None = None,
    ) -> Judgement:  # fmt: skip
        """Raises StepNotReadyError (no candidate with text) and BudgetExceededError before any call,
        ModelNotFoundError for an unknown model, ModelError when every attempt failed; nothing is then stored."""
        pipeline = await self._access.load(pipeline_id, expected_version, branch)
        candidates = pipeline.judgeable(step)
        asked = tuple(dict.fromkeys(c.strip() for c in criteria if c.strip()))
        asked = asked or step_criteria(self._template_of(pipeline), step) or DEFAULT_CRITERIA
        brief = next((c.prompt for c in candidates if c.prompt), "")
        prompt = judge_prompt(brief, asked, [c.text for c in candidates])
        answer = await self._generator.ask(prompt, model, pipeline, "judge")
        scores, error = parse_scores(answer.text, asked, [c.id for c in candidates])
        spent = {
            "input_tokens": answer.input_tokens, "output_tokens": answer.output_tokens,
            "usage_estimated": answer.usage_estimated, "cost": answer.cost, "cached": answer.cached,
        }  # fmt: skip
        found = Judgement(step=step, model=answer.model, criteria=asked, scores=tuple(scores), usage=spent, error=error)
        await self._access.run(
            pipeline.id, None,
            lambda p, now: p.record_judgement(step, found.model, asked, found.scores, now, error=error, **spent),
            pipeline.current_branch,
        )  # fmt: skip
        return found


def step_criteria(template: PipelineTemplate | None, step: str) -> tuple[str, ...]:
    """The step's own `criteria:` in its template (none when the template is gone or has no such step)."""
    if template is None or step not in template.step_keys:
        return ()
    return template.step(step).criteria
