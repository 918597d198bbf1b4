"""The writer's choices on a Pipeline: select, edit, feedback, keep a stale step, fork and switch branches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from writeit.domain import events as ev
from writeit.domain.aggregate import PipelineCore
from writeit.domain.branching import next_branch_name, require_branch, require_branch_free
from writeit.domain.errors import (
    BranchError,
    CandidateStateError,
    InvalidCommandError,
    StepNotReadyError,
    UnknownCandidateError,
)
from writeit.domain.state import CandidateStatus, StepStatus


class ChoiceCommands(PipelineCore):
    """Commands that record what the writer chose; later steps built on another selection become stale."""

    def select(self, step: str, candidate_id: str, now: datetime) -> None:
        """Select a completed candidate of `step`; later steps built on another selection become stale."""
        state = self.step_state(step)
        if candidate_id not in state.candidate_ids:
            raise UnknownCandidateError(candidate_id, step)
        candidate = self.candidates[candidate_id]
        if candidate.status is not CandidateStatus.COMPLETED:
            raise CandidateStateError(
                f"candidate '{candidate_id}' is {candidate.status.value}; only a completed candidate can be selected"
            )
        if state.selected == candidate_id and not state.stale:
            return
        changed, was_complete = state.selected != candidate_id, self.branch.completed
        self._record(ev.CandidateSelected, now, branch=self.current_branch, step=step, candidate_id=candidate_id)
        if changed:
            self._mark_downstream_stale(step, now)
        self._announce_completion(was_complete, now)

    def edit(
        self,
        step: str,
        candidate_id: str,
        new_id: str,
        text: str,
        now: datetime,
        *,
        against: str = "",
        changes: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Record the writer's rewrite of a candidate as a new candidate, and select it (`against`, `changes`:
        an edit made by deciding on the candidate's tracked changes against the text it revised)."""
        self._usable(step, candidate_id)
        if not text.strip():
            raise InvalidCommandError("an edit needs some text")
        self._require_new_id(new_id)
        self._record(
            ev.CandidateEdited,
            now,
            branch=self.current_branch,
            step=step,
            source_id=candidate_id,
            candidate_id=new_id,
            text=text,
            against=against,
            changes=tuple(dict(change) for change in changes),
        )
        self.select(step, new_id, now)

    def give_feedback(self, step: str, text: str, now: datetime) -> None:
        """Attach the writer's feedback to a step: its rounds carry it in their prompts (with any other feedback
        not answered yet) until one of them completes a candidate, or the writer selects one."""
        self.step_state(step)
        if not text.strip():
            raise InvalidCommandError("feedback cannot be empty")
        self._record(ev.FeedbackGiven, now, branch=self.current_branch, step=step, text=text)

    def keep_stale(self, step: str, now: datetime) -> None:
        """Keep a stale step's selection as it is."""
        if not self.step_state(step).stale:
            raise StepNotReadyError(f"step '{step}' is not stale")
        self._record(ev.StaleStepKept, now, branch=self.current_branch, step=step)
        self._announce_completion(False, now)  # a stale step made the branch incomplete

    def fork(self, from_step: str, name: str, now: datetime) -> None:
        """Start a branch that shares this branch's selections before `from_step` and diverges there."""
        require_branch_free(self, name)
        index = self.step_keys.index(self.step_state(from_step).key)
        for key in self.step_keys[: index + 1]:
            if self.step_status(key) is StepStatus.GENERATING:
                raise BranchError(f"step '{key}' is still generating; wait for it or cancel it before forking")
        self._record(ev.BranchForked, now, branch=name, parent=self.current_branch, from_step=from_step)
        self._record(ev.BranchSwitched, now, branch=name)

    def switch(self, branch: str, now: datetime) -> None:
        require_branch(self, branch)
        if branch == self.current_branch:
            return
        self._record(ev.BranchSwitched, now, branch=branch)

    def next_branch_name(self) -> str:
        return next_branch_name(self.branches)
