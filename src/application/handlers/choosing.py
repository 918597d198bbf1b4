"""The writer's choices on a step: select, edit, merge (by hand or by a model), feedback, keep a stale step."""

from __future__ import annotations

from datetime import datetime

from writeit.application.commands import (
    Edit,
    GiveFeedback,
    KeepStale,
    MergeByHand,
    MergeByModel,
    PipelineCommand,
    Select,
)
from writeit.application.errors import VersionConflictError
from writeit.application.handlers.context import Context
from writeit.application.merge_access import source_texts
from writeit.application.merge_recipes import merge_instruction
from writeit.application.unit_of_work import Decision
from writeit.application.views import PipelineView, pipeline_view
from writeit.domain.errors import InvalidCommandError
from writeit.domain.pipeline import Pipeline


async def decide(ctx: Context, command: PipelineCommand, decision: Decision) -> PipelineView:
    """Run one decision of the aggregate in a unit of work; the view is of the state saved."""
    async with ctx.uow.pipeline(command.pipeline_id, command.expected_version, command.branch) as pipeline:
        decision(pipeline, ctx.now())
    return pipeline_view(pipeline, ctx.templates.of(pipeline))


async def select(ctx: Context, c: Select) -> PipelineView:
    return await decide(ctx, c, lambda p, now: p.select(c.step, c.candidate_id, now))


async def edit(ctx: Context, c: Edit) -> PipelineView:
    """A rewrite of `candidate_id`, or of the step's selection when none is named, recorded and selected."""
    new_id = ctx.new_id()

    def rewrite(p: Pipeline, now: datetime) -> None:
        source = c.candidate_id or p.step_state(c.step).selected
        if source is None:
            raise InvalidCommandError(f"step '{c.step}' has no selection to edit; name the candidate to rewrite")
        p.edit(c.step, source, new_id, c.text, now)

    return await decide(ctx, c, rewrite)


async def give_feedback(ctx: Context, c: GiveFeedback) -> PipelineView:
    """The step's next round has the feedback in its prompt (as has a Generate with feedback)."""
    return await decide(ctx, c, lambda p, now: p.give_feedback(c.step, c.text, now))


async def keep_stale(ctx: Context, c: KeepStale) -> PipelineView:
    return await decide(ctx, c, lambda p, now: p.keep_stale(c.step, now))


async def merge_by_hand(ctx: Context, c: MergeByHand) -> PipelineView:
    new_id = ctx.new_id()
    return await decide(ctx, c, lambda p, now: p.merge(c.step, c.candidate_ids, new_id, c.text, now))


async def merge_by_model(ctx: Context, c: MergeByModel) -> PipelineView:
    """Ask a model to merge the candidates following the instruction and/or recipe; its answer is recorded as the
    merge. Sources still generating here are merged with the text they have (the merge records which)."""
    said, recipe = merge_instruction(ctx.recipes, c.recipe, c.instruction)
    pipeline = await ctx.uow.read(c.pipeline_id)
    if c.expected_version is not None and c.expected_version != pipeline.version:
        raise VersionConflictError(pipeline.id, c.expected_version, pipeline.version)
    pipeline.require_branch(c.branch)
    texts, streaming = source_texts(pipeline, c.step, c.candidate_ids, ctx.generator)  # before paying a model
    merged = await ctx.generator.merge_text(texts, said, c.model, pipeline)
    new_id = ctx.new_id()
    # The version was checked before the (paid) model call; the merge still checks its sources are usable.
    after = MergeByHand(pipeline_id=pipeline.id, branch=c.branch, step=c.step, candidate_ids=c.candidate_ids, text="")
    return await decide(
        ctx,
        after,
        lambda p, now: p.merge(
            c.step, c.candidate_ids, new_id, merged.text, now, model=merged.model, instruction=said,
            usage=merged, recipe=recipe, streaming=streaming,
        ),
    )  # fmt: skip
