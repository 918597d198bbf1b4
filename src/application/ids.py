"""What a pipeline id may be, checked before any store is asked about one (a store refuses odd keys its own way)."""

from __future__ import annotations

import re

from writeit.application.errors import PipelineNotFoundError

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class InvalidPipelineIdError(PipelineNotFoundError):
    """No pipeline can have this id: empty, longer than 64 characters, or other than letters, digits, '-', '_'."""

    def __init__(self, pipeline_id: str) -> None:
        super().__init__(pipeline_id)
        shown = pipeline_id if len(pipeline_id) <= 64 else f"{pipeline_id[:63]}…"
        self.args = (f"'{shown}' is not a pipeline id (1 to 64 letters, digits, '-' or '_'; or a prefix of one)",)


def check_pipeline_id(pipeline_id: str) -> str:
    if not _ID.fullmatch(pipeline_id):
        raise InvalidPipelineIdError(pipeline_id)
    return pipeline_id
