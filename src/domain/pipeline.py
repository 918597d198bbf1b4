"""The Pipeline aggregate: commands check the branching rules and record events; `_apply` alone changes state.

The class is assembled from one module per group of commands (generating, choosing, merging) over the state and
queries in `aggregate`; the names other layers import stay importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from writeit.domain import events as ev
from writeit.domain.aggregate import MAIN
from writeit.domain.branching import next_branch_name, require_branch, require_branch_free, valid_branch_name
from writeit.domain.generating import GenerationCommands
from writeit.domain.merging import MergeCommands
from writeit.domain.output import CandidateOutput
from writeit.domain.template import PipelineTemplate

__all__ = [
    "MAIN",
    "CandidateOutput",
    "Pipeline",
    "next_branch_name",
    "require_branch",
    "require_branch_free",
    "valid_branch_name",
]


class Pipeline(GenerationCommands, MergeCommands):
    """One writing session. Build it with `start` or `replay`; read `pending` events after each command."""

    # ----- construction -------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        pipeline_id: str,
        template: PipelineTemplate,
        inputs: Mapping[str, Any],
        now: datetime,
        models: Sequence[str] = (),
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> Pipeline:
        """A new pipeline; `models` (canonical ids), when given, answer every step in place of the template's;
        `fragments` ({"source", "content"}) are what the prompts see as `fragments`."""
        pipeline = cls(pipeline_id)
        pipeline._record(
            ev.PipelineStarted,
            now,
            template_name=template.name,
            template_source=template.source,
            template_text=template.text,
            step_keys=template.step_keys,
            inputs=dict(inputs),
            models=tuple(models),
            fragments=tuple({"source": f["source"], "content": f["content"]} for f in fragments),
        )
        return pipeline

    @classmethod
    def replay(cls, events: Iterable[ev.Event]) -> Pipeline:
        pipeline: Pipeline | None = None
        for event in events:
            if pipeline is None:
                pipeline = cls(event.pipeline_id)
            pipeline.apply(event)
        if pipeline is None:
            raise ValueError("cannot replay a pipeline from no events")
        return pipeline
