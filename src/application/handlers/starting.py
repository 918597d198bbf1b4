"""Starting a pipeline from a template, and importing one from an exported history."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from writeit.application import export
from writeit.application.commands import ImportHistory, StartPipeline
from writeit.application.errors import ImportRefusedError
from writeit.application.handlers.context import Context
from writeit.application.views import PipelineView, pipeline_view
from writeit.domain.errors import InputInvalidError, Problem
from writeit.domain.pipeline import Pipeline


async def start(ctx: Context, command: StartPipeline) -> PipelineView:
    """Whatever can refuse it (inputs, prompts, models, keys, replay, budget) is checked before anything is
    stored. Fragments are read now and recorded, so the prompts never need their references again."""
    template = ctx.catalog.get(command.template)
    values = template.validate_inputs(command.inputs)
    read = await _read_fragments(ctx, command.fragments, command.local_paths)
    chosen = await ctx.preflight.check(template, values, command.models, read)
    pipeline = Pipeline.start(ctx.new_id(), template, values, ctx.now(), chosen, read)
    await ctx.uow.repo.save(pipeline)
    ctx.templates.remember(pipeline.id, template)
    return pipeline_view(pipeline, template)


async def _read_fragments(ctx: Context, references: Sequence[str], local_paths: bool) -> list[dict[str, str]]:
    if not references:
        return []
    if ctx.fragments is None:
        raise InputInvalidError([Problem("fragments cannot be read here", field="fragments")])
    # Off the event loop: a path, a URL or a plugin's loader is blocking I/O.
    return await asyncio.to_thread(ctx.fragments.resolve, references, local_paths=local_paths)


async def import_history(ctx: Context, command: ImportHistory) -> PipelineView:
    """Store an exported history (its events) as the same pipeline in this workspace."""
    pipeline, events = export.read_history(command.history)
    if await ctx.uow.repo.exists(pipeline.id):
        raise ImportRefusedError(f"pipeline {pipeline.id} already exists in this workspace")
    await ctx.uow.repo.append_all(pipeline.id, events)
    return pipeline_view(pipeline, ctx.templates.of(pipeline))
