"""The use cases of a writing session as one object: commands through their handlers, queries beside them.

The entrypoints build the command objects (application.commands) and call `handle`; the named methods build
the same commands for callers written before them (scripts, tests, the headless run)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, overload

from writeit.application import commands as c
from writeit.application.document_ports import DocumentWriter
from writeit.application.follow import Following
from writeit.application.generation import Generation, StepGenerator
from writeit.application.guided_merge import GuidedMerges
from writeit.application.handlers.bus import UseCases
from writeit.application.handlers.context import Context, StartedTemplates
from writeit.application.hub import StreamHub, Subscription
from writeit.application.judging import Judgement, Judging
from writeit.application.merge_access import PipelineAccess
from writeit.application.merge_recipes import BuiltInRecipes, RecipeBook
from writeit.application.ports import CancelRequests, FragmentSource, TemplateCatalog
from writeit.application.preflight import Preflight
from writeit.application.queries import PipelineQueries
from writeit.application.repository import PipelineRepository
from writeit.application.tracked_changes import TrackedChanges
from writeit.application.unit_of_work import Decision, UnitOfWork
from writeit.application.views import PipelineView, pipeline_view
from writeit.domain.pipeline import Pipeline
from writeit.domain.template import PipelineTemplate

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]


class PipelineService(PipelineQueries, UseCases):
    """`handle(command)` changes a pipeline (one unit of work each); the queries read it."""

    def __init__(
        self,
        repo: PipelineRepository,
        catalog: TemplateCatalog,
        generator: StepGenerator,
        hub: StreamHub,
        *,
        clock: Clock,
        new_id: IdFactory,
        is_alive: Callable[[str], bool] = lambda session: True,
        preflight: Preflight | None = None,
        fragments: FragmentSource | None = None,
        recipes: RecipeBook | None = None,
        yaml: DocumentWriter | None = None,
        cancels: CancelRequests | None = None,
    ) -> None:
        uow = UnitOfWork(repo, clock)
        templates = StartedTemplates(catalog)
        preflight = preflight or Preflight(catalog, generator.resolve, lambda: generator.default_model)
        PipelineQueries.__init__(self, uow, templates, clock, yaml)
        UseCases.__init__(
            self,
            Context(
                uow=uow, catalog=catalog, templates=templates, generator=generator, preflight=preflight,
                new_id=new_id, is_alive=is_alive, fragments=fragments, recipes=recipes or BuiltInRecipes(),
                cancels=cancels,
            ),
        )  # fmt: skip
        self._hub = hub
        self._generator = generator
        self.recipes = self.context.recipes
        access = PipelineAccess(self._checked, self._decided, new_id)
        self.guided = GuidedMerges(access, generator, self.recipes)
        self.tracked = TrackedChanges(access)
        self.judging = Judging(access, generator, self.context.templates.of)

    # ----- commands by name (each builds its command object) --------------------------------------
    async def start(
        self,
        template_name: str,
        inputs: Mapping[str, Any],
        models: Sequence[str] | None = None,
        *,
        fragments: Sequence[str] = (),
        local_paths: bool = True,
    ) -> PipelineView:
        command = c.StartPipeline(
            template=template_name, inputs=inputs, models=tuple(models or ()), fragments=tuple(fragments),
            local_paths=local_paths,
        )  # fmt: skip
        return await self.handle(command)

    async def generate(
        self,
        pipeline_id: str,
        step: str | None = None,
        *,
        expected_version: int | None = None,
        feedback: str | None = None,
        models: Sequence[str] | None = None,
        candidate_id: str | None = None,
        branch: str | None = None,
    ) -> Generation:
        command = c.Generate(
            pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step,
            feedback=feedback, models=tuple(models or ()), candidate_id=candidate_id,
        )  # fmt: skip
        return await self.handle(command)

    async def select(
        self, pipeline_id: str, step: str, candidate_id: str, expected_version: int | None = None, *,
        branch: str | None = None,
    ) -> PipelineView:  # fmt: skip
        return await self.handle(
            c.Select(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step,
                     candidate_id=candidate_id)
        )  # fmt: skip

    async def edit(
        self, pipeline_id: str, step: str, candidate_id: str | None, text: str,
        expected_version: int | None = None, *, branch: str | None = None,
    ) -> PipelineView:  # fmt: skip
        return await self.handle(
            c.Edit(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step,
                   candidate_id=candidate_id, text=text)
        )  # fmt: skip

    async def merge_by_hand(
        self, pipeline_id: str, step: str, candidate_ids: Sequence[str], text: str,
        expected_version: int | None = None, *, branch: str | None = None,
    ) -> PipelineView:  # fmt: skip
        return await self.handle(
            c.MergeByHand(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step,
                          candidate_ids=tuple(candidate_ids), text=text)
        )  # fmt: skip

    async def merge_by_model(
        self, pipeline_id: str, step: str, candidate_ids: Sequence[str], instruction: str | None,
        model: str | None = None, expected_version: int | None = None, *, recipe: str | None = None,
        branch: str | None = None,
    ) -> PipelineView:  # fmt: skip
        return await self.handle(
            c.MergeByModel(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step,
                           candidate_ids=tuple(candidate_ids), instruction=instruction, model=model, recipe=recipe)
        )  # fmt: skip

    async def judge(
        self, pipeline_id: str, step: str, model: str | None = None, criteria: Sequence[str] = (),
        expected_version: int | None = None, *, branch: str | None = None,
    ) -> Judgement:  # fmt: skip
        """Ask a judge model to score the step's candidates (with text) on `criteria` (default: the step's
        template's `criteria:`, else clarity, accuracy, fit to the brief); recorded, it selects nothing."""
        return await self.judging.judge(pipeline_id, step, model, criteria, expected_version, branch=branch)

    async def give_feedback(
        self, pipeline_id: str, step: str, text: str, expected_version: int | None = None, *, branch: str | None = None
    ) -> PipelineView:
        return await self.handle(
            c.GiveFeedback(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step,
                           text=text)
        )  # fmt: skip

    async def keep_stale(
        self, pipeline_id: str, step: str, expected_version: int | None = None, *, branch: str | None = None
    ) -> PipelineView:
        return await self.handle(
            c.KeepStale(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, step=step)
        )

    async def fork(
        self, pipeline_id: str, from_step: str, name: str | None = None, expected_version: int | None = None, *,
        branch: str | None = None,
    ) -> PipelineView:  # fmt: skip
        return await self.handle(
            c.Fork(pipeline_id=pipeline_id, expected_version=expected_version, branch=branch, from_step=from_step,
                   name=name)
        )  # fmt: skip

    async def switch(self, pipeline_id: str, branch: str, expected_version: int | None = None) -> PipelineView:
        return await self.handle(c.Switch(pipeline_id=pipeline_id, expected_version=expected_version, to=branch))

    async def cancel(self, pipeline_id: str, candidate_id: str) -> bool:
        return await self.handle(c.Cancel(pipeline_id=pipeline_id, candidate_id=candidate_id))

    async def recover(self, pipeline_id: str) -> list[str]:
        return await self.handle(c.Recover(pipeline_id=pipeline_id))

    async def import_history(self, history: Mapping[str, Any]) -> PipelineView:
        return await self.handle(c.ImportHistory(history=history))

    # ----- the process's generations and models ----------------------------------------------------
    def check_models(self, models: Sequence[str]) -> list[str]:
        """The canonical ids of `models`; raises ModelNotFoundError naming the first unknown one."""
        return [self._generator.resolve(m) for m in models]

    async def cancel_all(self) -> int:
        """Stop every candidate this process is generating (on quit); each is kept with its partial text."""
        running = self._generator.running()
        for candidate_id in running:
            await self._generator.cancel(candidate_id)
        return len(running)

    async def wait_idle(self) -> None:
        await self._generator.wait_all()

    def subscribe(self, pipeline_id: str) -> Subscription:
        """Live messages of a pipeline: every event once stored, and token chunks as models produce them."""
        return self._hub.subscribe(pipeline_id)

    async def follow(self, pipeline_id: str, after: int = 0) -> Following:
        """The pipeline's stored events after `after`, then live ones, each exactly once, and token chunks
        (`with await service.follow(id, after) as following: async for message in following: ...`)."""
        resolved = await self.resolve_id(pipeline_id)  # refuses an unknown id before subscribing
        return Following(self._hub.subscribe(resolved), self._uow.repo.events, after)

    @overload
    def template_of(self, pipeline: Pipeline, *, strict: Literal[True]) -> PipelineTemplate: ...

    @overload
    def template_of(self, pipeline: Pipeline, *, strict: bool = False) -> PipelineTemplate | None: ...

    def template_of(self, pipeline: Pipeline, *, strict: bool = False) -> PipelineTemplate | None:
        return self.context.templates.of(pipeline, strict=strict)

    # ----- what the guided merges and tracked changes use (PipelineAccess) -------------------------------
    async def _checked(self, pipeline_id: str, expected_version: int | None, branch: str | None) -> Pipeline:
        async with self.context.uow.pipeline(pipeline_id, expected_version, branch) as pipeline:
            return pipeline

    async def _decided(
        self, pipeline_id: str, expected_version: int | None, decision: Decision, branch: str | None
    ) -> PipelineView:
        async with self.context.uow.pipeline(pipeline_id, expected_version, branch) as pipeline:
            decision(pipeline, self.context.now())
        return pipeline_view(pipeline, self.context.templates.of(pipeline))
