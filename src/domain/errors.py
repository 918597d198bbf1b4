"""Domain errors: each message says what is wrong and what the writer can do about it."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A command broke a rule of the domain; nothing was recorded."""


class UnknownStepError(DomainError):
    def __init__(self, step: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown step '{step}'; this pipeline's steps are: {', '.join(known)}")
        self.step = step


class UnknownCandidateError(DomainError):
    def __init__(self, candidate_id: str, step: str | None = None) -> None:
        where = f" in step '{step}' of this branch" if step else ""
        super().__init__(f"no candidate '{candidate_id}'{where}")
        self.candidate_id = candidate_id


class UnknownExtractionError(DomainError):
    def __init__(self, extraction_id: str) -> None:
        super().__init__(f"no extraction '{extraction_id}' of points on this branch (extract the points first)")
        self.extraction_id = extraction_id


class UnknownBranchError(DomainError):
    def __init__(self, branch: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown branch '{branch}'; branches are: {', '.join(known)}")
        self.branch = branch


class StepNotReadyError(DomainError):
    """The step cannot run yet: an earlier step lacks a selection or is stale, or it is already running."""


class CandidateStateError(DomainError):
    """The candidate is not in a state that allows the command (e.g. selecting a failed one)."""


class BranchError(DomainError):
    """Forking or switching broke a branching rule."""


class BranchMovedError(BranchError):
    """The command was meant for one branch, but the pipeline has since been switched to another."""

    def __init__(self, meant: str, current: str) -> None:
        super().__init__(
            f"the pipeline is on branch '{current}' now, not '{meant}' (switched meanwhile): nothing was changed; "
            f"look again, or switch back to '{meant}'"
        )
        self.meant = meant
        self.current = current


class EventRefusedError(DomainError, ValueError):
    """An event that cannot apply to this pipeline: another pipeline's, or out of sequence. A ValueError too, as
    the other faults of a stored or imported stream (unknown type, malformed shape) are."""


class InvalidCommandError(DomainError):
    """The command's own arguments are invalid (empty feedback, too few candidates to merge...)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem, located as precisely as the source allows."""

    message: str
    field: str = ""
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ValidationError(DomainError):
    """One or more problems in a template or in inputs; `problems` lists each with its location."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in problems))


class TemplateInvalidError(ValidationError):
    """The pipeline template failed validation."""


class InputInvalidError(ValidationError):
    """The inputs given for a template failed validation."""
