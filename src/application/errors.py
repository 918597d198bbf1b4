"""Errors raised by ports and services; adapters translate driver errors into these."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of the errors a user or client can act on (never a bug)."""


class PipelineNotFoundError(ApplicationError):
    def __init__(self, pipeline_id: str) -> None:
        super().__init__(f"no pipeline '{pipeline_id}'")
        self.pipeline_id = pipeline_id


class AmbiguousPipelineIdError(ApplicationError):
    def __init__(self, prefix: str, matches: list[str]) -> None:
        super().__init__(f"'{prefix}' matches {len(matches)} pipelines: {', '.join(m[:12] for m in matches[:5])}")


class VersionConflictError(ApplicationError):
    """The stream moved on since the caller read it: reload and retry."""

    def __init__(self, pipeline_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"pipeline '{pipeline_id}' is at version {actual}, not {expected}: it changed meanwhile; reload and retry"
        )
        self.expected = expected
        self.actual = actual


class StoreError(ApplicationError):
    """The event store could not complete the operation; nothing partial was written."""


class TemplateNotFoundError(ApplicationError):
    def __init__(self, name: str, searched: list[str]) -> None:
        super().__init__(f"no template '{name}' (looked in: {', '.join(searched)})")
        self.name = name


class ModelError(ApplicationError):
    """A language model could not answer. `transient` errors are worth retrying; `retry_after` is how many
    seconds the provider asked to wait first (its Retry-After header), when it said."""

    def __init__(
        self, model_id: str, message: str, *, transient: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(f"model '{model_id}': {message}")
        self.model_id = model_id
        self.transient = transient
        self.retry_after = retry_after


class ModelNotFoundError(ModelError):
    def __init__(self, model_id: str) -> None:
        super().__init__(model_id, "unknown model (see `writeit models` or `llm models`)")


class ModelKeyMissingError(ModelError):
    def __init__(self, model_id: str) -> None:
        super().__init__(model_id, "needs an API key: set one with `llm keys set <provider>`")


class ImportRefusedError(ApplicationError):
    """An exported history cannot be imported (malformed, inconsistent, or already here)."""
