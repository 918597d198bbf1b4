"""A judge model scores a step's candidates on criteria, each score with its reason; it never selects.

The call goes through the candidates' path (the ModelRunner: retries, fall-back-free, the response cache), and
its usage and cost are counted as a candidate's are. An answer without usable scores is still recorded, with
why, since it was paid for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from writeit.application.ports import LanguageModel, ModelRequest
from writeit.application.runner import CandidateHooks, ModelRunner
from writeit.application.usage import PriceTable
from writeit.domain.state import Candidate

DEFAULT_CRITERIA = ("clarity", "accuracy", "fit to the brief")
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """What a judge said of a step's candidates: a score (1-10) and a reason per candidate and criterion."""

    step: str
    model: str
    criteria: tuple[str, ...]
    scores: tuple[dict[str, Any], ...]
    usage: dict[str, Any] = field(default_factory=dict)  # input/output tokens, estimated, cost, cached
    error: str = ""


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


class Judge:
    """Asks a judge model (any llm id or alias) through the ModelRunner and reads its scores."""

    def __init__(
        self, runner: ModelRunner, models: LanguageModel, prices: PriceTable, default_model: Callable[[], str]
    ) -> None:
        self._runner = runner
        self._models = models
        self._prices = prices
        self._default_model = default_model

    async def score(
        self, step: str, candidates: Sequence[Candidate], model: str | None, criteria: Sequence[str] = ()
    ) -> Judgement:
        """Raises ModelNotFoundError for an unknown model, ModelError when every attempt failed."""
        criteria = tuple(dict.fromkeys(c.strip() for c in criteria if c.strip())) or DEFAULT_CRITERIA
        model_id = self._models.resolve(model or self._default_model())
        brief = next((c.prompt for c in candidates if c.prompt), "")
        prompt = judge_prompt(brief, criteria, [c.text for c in candidates])
        answer = await self._runner.run((model_id,), ModelRequest(model_id=model_id, prompt=prompt), _QUIET)
        done = answer.completion
        usage = self._prices.usage(done.model_id, prompt, done.text, (done.input_tokens, done.output_tokens))
        scores, error = parse_scores(done.text, criteria, [c.id for c in candidates])
        spent = {
            "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "usage_estimated": usage.estimated, "cost": usage.cost, "cached": answer.cached,
        }  # fmt: skip
        return Judgement(
            step=step, model=done.model_id, criteria=criteria, scores=tuple(scores), usage=spent, error=error
        )


async def _ignore(*_: str | int) -> None:
    return None


_QUIET = CandidateHooks(on_chunk=lambda _: None, on_restart=lambda: None, on_retry=_ignore, on_fallback=_ignore)
