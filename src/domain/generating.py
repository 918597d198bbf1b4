"""The Pipeline's generation commands: start a round, then record how each of its candidates ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from writeit.domain import events as ev
from writeit.domain.aggregate import PipelineCore
from writeit.domain.errors import (
    CandidateStateError,
    InvalidCommandError,
    StepNotReadyError,
    UnknownCandidateError,
)
from writeit.domain.output import CandidateOutput
from writeit.domain.state import Candidate, CandidateStatus, StepStatus


class GenerationCommands(PipelineCore):
    """Rounds of a step: who answers it, and each candidate's completion, failure, retry or fallback."""

    def start_step(
        self,
        step: str,
        candidates: Sequence[tuple[str, str]],
        now: datetime,
        *,
        prompt: str = "",
        system: str = "",
        session: str = "",
    ) -> None:
        """Begin a generation round of `step` on the current branch with (candidate id, model) pairs.

        `session` names the process that runs the round, so another one can tell its candidates were orphaned.
        """
        self.require_can_generate(step)
        if not candidates:
            raise InvalidCommandError("a generation needs at least one model")
        ids = tuple(cid for cid, _ in candidates)
        if len(set(ids)) != len(ids) or any(cid in self.candidates for cid in ids):
            raise InvalidCommandError("candidate ids must be new and unique")
        self._record(
            ev.StepStarted,
            now,
            branch=self.current_branch,
            step=step,
            generation=self.step_state(step).generation + 1,
            candidate_ids=ids,
            models=tuple(model for _, model in candidates),
            prompt=prompt,
            system=system,
            session=session,
        )

    def require_can_generate(self, step: str) -> None:
        """Raise unless every earlier step has a fresh selection and this step is not already running."""
        waits_for = self.waits_for(step)
        if waits_for is not None and self.step_state(waits_for).selected is None:
            raise StepNotReadyError(f"step '{waits_for}' has no selection yet; select a candidate there first")
        if waits_for is not None:
            raise StepNotReadyError(f"step '{waits_for}' is stale; regenerate it or keep it first")
        if self.step_status(step) is StepStatus.GENERATING:
            raise StepNotReadyError(f"step '{step}' is already generating; wait for it or cancel it")

    def complete_candidate(self, candidate_id: str, output: CandidateOutput, now: datetime) -> None:
        self._pending_candidate(candidate_id)
        self._record(
            ev.CandidateCompleted,
            now,
            candidate_id=candidate_id,
            model=output.model,
            text=output.text,
            prompt=output.prompt,
            system=output.system,
            input_tokens=output.input_tokens,
            output_tokens=output.output_tokens,
            usage_estimated=output.usage_estimated,
            cost=output.cost,
            duration_ms=output.duration_ms,
            cached=output.cached,
            seed=output.seed,
        )

    def fail_candidate(self, candidate_id: str, model: str, error: str, now: datetime, partial_text: str = "") -> None:
        self._pending_candidate(candidate_id)
        self._record(
            ev.CandidateFailed, now, candidate_id=candidate_id, model=model, error=error, partial_text=partial_text
        )

    def cancel_candidate(self, candidate_id: str, now: datetime, partial_text: str = "") -> None:
        self._pending_candidate(candidate_id)
        self._record(ev.CandidateCancelled, now, candidate_id=candidate_id, partial_text=partial_text)

    def record_retry(self, candidate_id: str, model: str, attempt: int, reason: str, now: datetime) -> None:
        self._pending_candidate(candidate_id)
        self._record(ev.CandidateRetried, now, candidate_id=candidate_id, model=model, attempt=attempt, reason=reason)

    def record_fallback(self, candidate_id: str, from_model: str, to_model: str, reason: str, now: datetime) -> None:
        self._pending_candidate(candidate_id)
        self._record(
            ev.ModelFellBack, now, candidate_id=candidate_id, from_model=from_model, to_model=to_model, reason=reason
        )

    def interrupt_candidate(self, candidate_id: str, now: datetime) -> None:
        """Mark a candidate left pending by a stopped process as interrupted, so its step can run again."""
        self._pending_candidate(candidate_id)
        self._record(ev.CandidateInterrupted, now, candidate_id=candidate_id)

    def _pending_candidate(self, candidate_id: str) -> Candidate:
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            raise UnknownCandidateError(candidate_id)
        if candidate.status is not CandidateStatus.PENDING:
            raise CandidateStateError(f"candidate '{candidate_id}' is already {candidate.status.value}")
        return candidate
