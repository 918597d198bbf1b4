"""What the merge and tracked-change handlers need of the service: a pipeline as its caller saw it, and commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from writeit.application.generation import StepGenerator
from writeit.application.views import PipelineView
from writeit.domain.errors import CandidateStateError
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import CandidateStatus

Command = Callable[[Pipeline, datetime], object]


@dataclass(frozen=True, slots=True)
class PipelineAccess:
    """`load(id, expected_version, branch)`: the pipeline, refused as a command is (unknown id, version moved,
    branch switched); `run(id, expected_version, command, branch)`: run a command under the pipeline's lock and
    store its events; `new_id()`: a fresh id for what a command creates."""

    load: Callable[[str, int | None, str | None], Awaitable[Pipeline]]
    run: Callable[[str, int | None, Command, str | None], Awaitable[PipelineView]]
    new_id: Callable[[], str]


def source_texts(
    p: Pipeline, step: str, ids: Sequence[str], generator: StepGenerator
) -> tuple[list[str], frozenset[str]]:
    """The texts to merge, and which of them are still generating in this process (taken as they are now).

    Raises as the merge itself would (fewer than two, unknown, unusable), and for a source with no text yet."""
    running = generator.running()
    streaming = frozenset(
        c for c in ids if c in running and c in p.candidates and p.candidates[c].status is CandidateStatus.PENDING
    )
    for cid in ids:
        candidate = p.candidates.get(cid)
        if candidate is not None and candidate.status is CandidateStatus.PENDING and cid not in streaming:
            raise CandidateStateError(
                f"candidate '{cid}' is still generating in another process ({candidate.session or 'unknown'}); "
                "its text so far is held only by that process: merge from there (its TUI or API), or once it "
                "completes"
            )
    p.require_mergeable(step, ids, streaming)
    texts = [generator.text_so_far(c) if c in streaming else p.candidates[c].text for c in ids]
    for cid, text in zip(ids, texts, strict=True):
        if cid in streaming and not text.strip():
            raise CandidateStateError(f"candidate '{cid}' is still generating and has no text yet; wait a moment")
    return texts, streaming
