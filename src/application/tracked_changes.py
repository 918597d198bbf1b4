"""Tracked changes: a revision's word-level changes against the text it revised, and the writer's decisions
on them recorded as the writer's edit (each change with where it came from and whether it was accepted)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from writeit.application.merge_access import PipelineAccess
from writeit.application.views import PipelineView
from writeit.domain.changes import Change, apply_decisions, decide, revised_text, word_changes
from writeit.domain.errors import InvalidCommandError, UnknownCandidateError
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Candidate


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangesView:
    candidate_id: str  # the revision
    step: str
    against: str  # the candidate whose text it revised
    model: str  # who made the revision (a model, or "writer")
    changes: tuple[Change, ...]
    version: int


class TrackedChanges:
    def __init__(self, access: PipelineAccess) -> None:
        self._access = access

    async def changes(self, pipeline_id: str, step: str, candidate_id: str, against: str | None = None) -> ChangesView:
        pipeline = await self._access.load(pipeline_id, None, None)
        revision, base = _pair(pipeline, step, candidate_id, against)
        return ChangesView(
            candidate_id=revision.id, step=step, against=base.id, model=revision.model,
            changes=tuple(word_changes(base.text, revision.text)), version=pipeline.version,
        )  # fmt: skip

    async def decide(
        self,
        pipeline_id: str,
        step: str,
        candidate_id: str,
        accept: Collection[int] = (),
        reject: Collection[int] = (),
        expected_version: int | None = None,
        *,
        against: str | None = None,
        branch: str | None = None,
    ) -> PipelineView:
        """Record the revision with the rejected changes undone as the writer's edit of it, and select it.

        A change neither accepted nor rejected stays as the revision made it."""
        new_id = self._access.new_id()

        def command(p: Pipeline, now: datetime) -> None:
            revision, base = _pair(p, step, candidate_id, against)
            changes = word_changes(base.text, revision.text)
            if not changes:
                raise InvalidCommandError(
                    f"candidate '{revision.id}' makes no change to '{base.id}': nothing to decide"
                )
            accepted = decide(len(changes), accept, reject)
            text = apply_decisions(base.text, revision.text, accepted)
            records = [
                {"n": c.n, "before": c.before, "after": c.after, "accepted": c.n in accepted, "from": revision.id}
                for c in changes
            ]
            p.edit(step, revision.id, new_id, text, now, against=base.id, changes=records)

        return await self._access.run(pipeline_id, expected_version, command, branch)


def _pair(p: Pipeline, step: str, candidate_id: str, against: str | None) -> tuple[Candidate, Candidate]:
    p.step_state(step)
    revision = p.candidates.get(candidate_id)
    if revision is None or revision.step != step:
        raise UnknownCandidateError(candidate_id, step)
    return revision, revised_text(p, revision, against)
