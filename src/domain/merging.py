"""Merging on a Pipeline: by hand or by a model, guided by extracted points; and judges' scores."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from writeit.domain import events as ev
from writeit.domain.choosing import ChoiceCommands
from writeit.domain.errors import (
    CandidateStateError,
    InvalidCommandError,
    StepNotReadyError,
    UnknownExtractionError,
)
from writeit.domain.output import CandidateOutput, accounting
from writeit.domain.state import Candidate, Extraction, Point


class MergeCommands(ChoiceCommands):
    """Commands that combine candidates into a new selected one, or score them."""

    def merge(
        self,
        step: str,
        source_ids: Sequence[str],
        new_id: str,
        text: str,
        now: datetime,
        *,
        model: str = "",
        instruction: str = "",
        usage: CandidateOutput | None = None,
        recipe: str = "",
        streaming: Collection[str] = (),
        extraction_id: str = "",
        points: Sequence[str] = (),
    ) -> None:
        """Record a merge of several candidates (by hand or by a model) as a new candidate, and select it.

        `usage`: a model's merge, whose tokens, cost and duration count as any candidate's. `streaming`: sources
        still generating, merged with their text so far. `extraction_id`, `points`: a guided merge's."""
        self.require_mergeable(step, source_ids, streaming)
        if extraction_id:
            self._require_points(self.require_extraction(extraction_id), points)
        if not text.strip():
            raise InvalidCommandError("a merge needs some text")
        self._require_new_id(new_id)
        self._record(
            ev.CandidatesMerged,
            now,
            branch=self.current_branch,
            step=step,
            source_ids=tuple(source_ids),
            candidate_id=new_id,
            text=text,
            model=model,
            instruction=instruction,
            **accounting(usage),
            extraction_id=extraction_id,
            points=tuple(points),
            recipe=recipe,
            streaming_ids=tuple(c for c in source_ids if c in streaming),
        )
        self.select(step, new_id, now)

    def require_mergeable(self, step: str, source_ids: Sequence[str], streaming: Collection[str] = ()) -> None:
        """Raise unless `source_ids` are two or more different usable candidates of `step` on this branch
        (those in `streaming` may still be generating: the caller has their text so far)."""
        if len(set(source_ids)) < 2:
            raise InvalidCommandError("a merge needs at least two different candidates")
        for cid in source_ids:
            if cid in streaming and cid in self.step_state(step).candidate_ids:
                continue
            self._usable(step, cid)

    def record_extraction(
        self,
        step: str,
        extraction_id: str,
        source_ids: Sequence[str],
        points: Sequence[Point],
        now: datetime,
        *,
        model: str,
        answer: str = "",
        error: str = "",
        usage: CandidateOutput | None = None,
        streaming: Collection[str] = (),
    ) -> None:
        """Record the points a model found in `source_ids` (or, with `error`, why its answer gave none)."""
        self.require_mergeable(step, source_ids, streaming)
        if not extraction_id or extraction_id in self.extractions:
            raise InvalidCommandError(f"extraction id '{extraction_id}' is already taken")
        for point in points:
            if not set(point.sources) <= set(source_ids):
                raise InvalidCommandError(f"point '{point.id}' names a candidate that is not merged")
        self._record(
            ev.PointsExtracted, now, branch=self.current_branch, step=step, extraction_id=extraction_id,
            source_ids=tuple(source_ids), model=model, answer=answer, error=error, **accounting(usage),
            points=tuple({"id": p.id, "text": p.text, "sources": list(p.sources)} for p in points),
            streaming_ids=tuple(c for c in source_ids if c in streaming),
        )  # fmt: skip

    def choose_points(self, extraction_id: str, point_ids: Sequence[str], now: datetime) -> None:
        """Record the points the writer ticked, in the order the merged text should follow."""
        extraction = self.require_extraction(extraction_id)
        self._require_points(extraction, point_ids)
        self._record(
            ev.PointsChosen, now, branch=extraction.branch, step=extraction.step, extraction_id=extraction_id,
            point_ids=tuple(point_ids),
        )  # fmt: skip

    def require_extraction(self, extraction_id: str) -> Extraction:
        """The extraction on the current branch; raises when it is unknown, elsewhere or failed."""
        extraction = self.extractions.get(extraction_id)
        if extraction is None or extraction.branch != self.current_branch:
            raise UnknownExtractionError(extraction_id)
        if extraction.error:
            raise CandidateStateError(f"extraction '{extraction_id}' failed ({extraction.error}); extract again")
        return extraction

    @staticmethod
    def _require_points(extraction: Extraction, point_ids: Sequence[str]) -> None:
        if not point_ids:
            raise InvalidCommandError("tick at least one point to merge")
        if len(set(point_ids)) != len(point_ids):
            raise InvalidCommandError("a point is ticked twice")
        known = [p.id for p in extraction.points]
        unknown = [p for p in point_ids if p not in known]
        if unknown:
            raise InvalidCommandError(
                f"extraction '{extraction.id}' has no point {', '.join(unknown)} (its points: {', '.join(known)})"
            )

    def judgeable(self, step: str) -> list[Candidate]:
        """The candidates of `step` on this branch a judge can score: those with text (at least one)."""
        found = [self.candidates[cid] for cid in self.step_state(step).candidate_ids if self.candidates[cid].usable]
        if not found:
            raise StepNotReadyError(f"step '{step}' has no candidate with text to judge yet")
        return found

    def record_judgement(
        self, step: str, model: str, criteria: Sequence[str], scores: Sequence[Mapping[str, Any]], now: datetime,
        **usage: Any,
    ) -> None:  # fmt: skip
        """Record a judge model's scores of `step`'s candidates (`usage`: tokens, cost, cached, error); it selects
        nothing."""
        for score in scores:
            self._usable(step, str(score["candidate_id"]))
        self._record(
            ev.CandidatesJudged, now, branch=self.current_branch, step=step, model=model, criteria=tuple(criteria),
            scores=tuple(dict(s) for s in scores), **usage,
        )  # fmt: skip
