"""Runs each command through its handler: the one way the TUI, the API and the CLI change a pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, overload

from writeit.application import commands as c
from writeit.application.generation import Generation
from writeit.application.handlers import branching, choosing, generating, starting
from writeit.application.handlers.context import Context
from writeit.application.views import PipelineView

Handler = Callable[[Context, Any], Awaitable[Any]]
HANDLERS: dict[type, Handler] = {
    c.StartPipeline: starting.start,
    c.ImportHistory: starting.import_history,
    c.Generate: generating.generate,
    c.Cancel: generating.cancel,
    c.Recover: generating.recover,
    c.Select: choosing.select,
    c.Edit: choosing.edit,
    c.GiveFeedback: choosing.give_feedback,
    c.KeepStale: choosing.keep_stale,
    c.MergeByHand: choosing.merge_by_hand,
    c.MergeByModel: choosing.merge_by_model,
    c.Fork: branching.fork,
    c.Switch: branching.switch,
}


class UseCases:
    def __init__(self, context: Context) -> None:
        self.context = context

    @overload
    async def handle(self, command: c.Generate) -> Generation: ...

    @overload
    async def handle(self, command: c.Cancel) -> bool: ...

    @overload
    async def handle(self, command: c.Recover) -> list[str]: ...

    @overload
    async def handle(self, command: c.ViewCommand) -> PipelineView: ...

    async def handle(self, command: c.Command) -> Generation | bool | list[str] | PipelineView:
        result: Generation | bool | list[str] | PipelineView = await HANDLERS[type(command)](self.context, command)
        return result
