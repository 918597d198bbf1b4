"""Branches: fork the current one at a step, switch to another."""

from __future__ import annotations

from writeit.application.commands import Fork, Switch
from writeit.application.handlers.choosing import decide
from writeit.application.handlers.context import Context
from writeit.application.views import PipelineView


async def fork(ctx: Context, c: Fork) -> PipelineView:
    """A branch sharing the current one's selections before `from_step`, made current."""
    return await decide(ctx, c, lambda p, now: p.fork(c.from_step, c.name or p.next_branch_name(), now))


async def switch(ctx: Context, c: Switch) -> PipelineView:
    return await decide(ctx, c, lambda p, now: p.switch(c.to, now))
