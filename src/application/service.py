"""The use cases of a writing session: one async service that the TUI, the API and the CLI all call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar, overload

from writeit.application import export
from writeit.application.errors import ImportRefusedError, VersionConflictError
from writeit.application.generation import Generation, StepGenerator
from writeit.application.hub import StreamHub, Subscription
from writeit.application.judging import Judge, Judgement
from writeit.application.ports import FragmentSource, TemplateCatalog
from writeit.application.preflight import Preflight
from writeit.application.repository import PipelineRepository
from writeit.application.views import PipelineSummary, PipelineView, pipeline_view
from writeit.domain.errors import (
    CandidateStateError,
    InputInvalidError,
    InvalidCommandError,
    Problem,
    TemplateInvalidError,
    UnknownCandidateError,
)
from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import CandidateStatus
from writeit.domain.template import PipelineTemplate

T = TypeVar("T")
Clock = Callable[[], datetime]
IdFactory = Callable[[], str]


class PipelineService:
    """Each command: take the pipeline's lock, load, run the aggregate's command, append its events."""

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
        judge: Judge | None = None,
    ) -> None:
        self._repo = repo
        self._catalog = catalog
        self._generator = generator
        self._hub = hub
        self._clock = clock
        self._new_id = new_id
        self._is_alive = is_alive
        self._preflight = preflight or Preflight(catalog, generator.resolve, lambda: generator.default_model)
        self._fragments = fragments
        self._judge = judge
        self._locks: dict[str, asyncio.Lock] = {}
        self._templates: dict[str, PipelineTemplate] = {}

    # ----- commands -------------------------------------------------------------------------------
    async def start(
        self,
        template_name: str,
        inputs: Mapping[str, Any],
        models: Sequence[str] | None = None,
        *,
        fragments: Sequence[str] = (),
        local_paths: bool = True,
    ) -> PipelineView:
        """Start a pipeline. `models`, when given, answer every step in place of the template's, in every
        session (they are recorded). Whatever can refuse it (inputs, prompts, models, keys, replay, budget) is
        checked before anything is stored. `fragments` (`llm -f` references) are read now and recorded, so the
        prompts' `fragments` never need them again."""
        template = self._catalog.get(template_name)
        values = template.validate_inputs(inputs)
        read = await self._read_fragments(fragments, local_paths)
        chosen = await self._preflight.check(template, values, models or (), read)
        pipeline = Pipeline.start(self._new_id(), template, values, self._clock(), chosen, read)
        await self._repo.save(pipeline)
        self._templates[pipeline.id] = template
        return pipeline_view(pipeline, template)

    async def _read_fragments(self, references: Sequence[str], local_paths: bool) -> list[dict[str, str]]:
        if not references:
            return []
        if self._fragments is None:
            raise InputInvalidError([Problem("fragments cannot be read here", field="fragments")])
        # Off the event loop: a path, a URL or a plugin's loader is blocking I/O.
        return await asyncio.to_thread(self._fragments.resolve, references, local_paths=local_paths)

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
        """Start a generation round (all candidates, or again the one `candidate_id`); returns at once.

        `branch`, on this and every command: the branch the caller is looking at; if another client has switched
        the pipeline to a different one since, the command is refused (BranchMovedError) and nothing changes.
        """
        pipeline_id = await self._repo.resolve_id(pipeline_id)
        async with self._lock(pipeline_id):
            pipeline = await self._load(pipeline_id, expected_version, branch)
            try:
                for cid in self._orphans(pipeline, step or pipeline.current_step()):
                    pipeline.interrupt_candidate(cid, self._clock())
                plan = self._generator.plan(
                    pipeline,
                    self.template_of(pipeline, strict=True),
                    step,
                    feedback,
                    models,
                    candidate_id,
                    self._clock(),
                )
                await self._repo.save(pipeline)
            except BaseException:
                self._discard(pipeline)
                raise
        return self._generator.launch(plan, self._record)

    def check_models(self, models: Sequence[str]) -> list[str]:
        """The canonical ids of `models`; raises ModelNotFoundError naming the first unknown one."""
        return [self._generator.resolve(m) for m in models]

    async def select(
        self,
        pipeline_id: str,
        step: str,
        candidate_id: str,
        expected_version: int | None = None,
        *,
        branch: str | None = None,
    ) -> PipelineView:
        return await self._command(
            pipeline_id, expected_version, lambda p, now: p.select(step, candidate_id, now), branch
        )

    async def edit(
        self,
        pipeline_id: str,
        step: str,
        candidate_id: str,
        text: str,
        expected_version: int | None = None,
        *,
        branch: str | None = None,
    ) -> PipelineView:
        new_id = self._new_id()
        return await self._command(
            pipeline_id, expected_version, lambda p, now: p.edit(step, candidate_id, new_id, text, now), branch
        )

    async def merge_by_hand(
        self,
        pipeline_id: str,
        step: str,
        candidate_ids: Sequence[str],
        text: str,
        expected_version: int | None = None,
        *,
        branch: str | None = None,
    ) -> PipelineView:
        new_id = self._new_id()
        return await self._command(
            pipeline_id, expected_version, lambda p, now: p.merge(step, candidate_ids, new_id, text, now), branch
        )

    async def merge_by_model(
        self,
        pipeline_id: str,
        step: str,
        candidate_ids: Sequence[str],
        instruction: str,
        model: str | None = None,
        expected_version: int | None = None,
        *,
        branch: str | None = None,
    ) -> PipelineView:
        """Ask a model to merge the candidates following `instruction`; the answer is recorded as the merge."""
        pipeline_id = await self._repo.resolve_id(pipeline_id)
        async with self._lock(pipeline_id):
            pipeline = await self._load(pipeline_id, expected_version, branch)
        pipeline.require_mergeable(step, candidate_ids)  # before paying for a model call
        texts = [pipeline.candidates[c].text for c in candidate_ids]
        model_id, text = await self._generator.merge_text(texts, instruction, model, pipeline_id)
        new_id = self._new_id()
        # The version was checked before the (paid) model call; the merge still checks its sources are usable.
        return await self._command(
            pipeline_id,
            None,
            lambda p, now: p.merge(step, candidate_ids, new_id, text, now, model=model_id, instruction=instruction),
            branch,
        )

    async def judge(
        self, pipeline_id: str, step: str, model: str | None = None, criteria: Sequence[str] = (),
        expected_version: int | None = None, *, branch: str | None = None,
    ) -> Judgement:  # fmt: skip
        """Ask a judge model to score the step's candidates (with text) on `criteria` (default: clarity, accuracy,
        fit to the brief); the judgement is recorded, and selects nothing."""
        if self._judge is None:
            raise InvalidCommandError("no judge is configured here")
        pipeline_id = await self._repo.resolve_id(pipeline_id)
        async with self._lock(pipeline_id):
            candidates = (await self._load(pipeline_id, expected_version, branch)).judgeable(step)  # before paying
        found = await self._judge.score(step, candidates, model, criteria)
        await self._command(
            pipeline_id, None,
            lambda p, now: p.record_judgement(
                step, found.model, found.criteria, found.scores, now, error=found.error, **found.usage
            ),
            branch,
        )  # fmt: skip
        return found

    async def give_feedback(
        self, pipeline_id: str, step: str, text: str, expected_version: int | None = None, *, branch: str | None = None
    ) -> PipelineView:
        """Record feedback on a step: the step's next round has it in its prompt (as has `generate(feedback=...)`)."""
        return await self._command(
            pipeline_id, expected_version, lambda p, now: p.give_feedback(step, text, now), branch
        )

    async def keep_stale(
        self, pipeline_id: str, step: str, expected_version: int | None = None, *, branch: str | None = None
    ) -> PipelineView:
        return await self._command(pipeline_id, expected_version, lambda p, now: p.keep_stale(step, now), branch)

    async def fork(
        self,
        pipeline_id: str,
        from_step: str,
        name: str | None = None,
        expected_version: int | None = None,
        *,
        branch: str | None = None,
    ) -> PipelineView:
        """Fork the current branch at `from_step` (`branch`: the branch the caller means to fork)."""
        return await self._command(
            pipeline_id, expected_version, lambda p, now: p.fork(from_step, name or p.next_branch_name(), now), branch
        )

    async def switch(self, pipeline_id: str, branch: str, expected_version: int | None = None) -> PipelineView:
        return await self._command(pipeline_id, expected_version, lambda p, now: p.switch(branch, now))

    async def cancel(self, pipeline_id: str, candidate_id: str) -> bool:
        """Stop a running candidate; it is recorded as cancelled with its partial text. False if it is not pending.

        A pending candidate whose process is gone is recorded as interrupted (True); one that another live
        process is generating is refused (CandidateStateError): only that process can stop it.
        """
        pipeline = await self._read(await self._repo.resolve_id(pipeline_id))
        candidate = pipeline.candidates.get(candidate_id)
        if candidate is None:
            raise UnknownCandidateError(candidate_id)
        if await self._generator.cancel(candidate_id):
            return True
        if candidate.status is not CandidateStatus.PENDING:
            return False
        if candidate_id in await self.recover(pipeline.id):
            return True
        if (await self._read(pipeline.id)).candidates[candidate_id].status is not CandidateStatus.PENDING:
            return False  # it finished meanwhile
        raise CandidateStateError(
            f"candidate {candidate_id} is being generated by another process ({candidate.session}); stop it there"
        )

    async def cancel_all(self) -> int:
        """Stop every candidate this process is generating (on quit); each is kept with its partial text."""
        running = self._generator.running()
        for candidate_id in running:
            await self._generator.cancel(candidate_id)
        return len(running)

    async def recover(self, pipeline_id: str) -> list[str]:
        """Mark candidates orphaned by a stopped process as interrupted, so their steps can run again."""
        result: list[str] = []

        def interrupt(p: Pipeline, now: datetime) -> None:
            result.extend(self._orphans(p))
            for cid in result:
                p.interrupt_candidate(cid, now)

        await self._command(pipeline_id, None, interrupt)
        return result

    async def recover_all(self) -> dict[str, list[str]]:
        """Recover every pipeline with candidates of a process that is gone (on opening the store): no client
        has to touch a pipeline for its dead candidates to show as interrupted. Found through the projection."""
        ours = self._generator.session
        recovered: dict[str, list[str]] = {}
        for pipeline_id, sessions in (await self._repo.pending_sessions()).items():
            orphaned = any(s == ours or not self._is_alive(s) for s in sessions)
            if orphaned and (interrupted := await self.recover(pipeline_id)):
                recovered[pipeline_id] = interrupted
        return recovered

    def _orphans(self, pipeline: Pipeline, step: str | None = None) -> list[str]:
        """Pending candidates that nobody runs: not in this process, and their process is gone."""
        running = self._generator.running()
        ours = self._generator.session
        return [
            c.id
            for c in pipeline.pending_candidates()
            if (step is None or c.step == step)
            and c.id not in running
            and (c.session == ours or not self._is_alive(c.session))
        ]

    # ----- queries -------------------------------------------------------------------------------
    async def get(self, pipeline_id: str, branch: str | None = None) -> PipelineView:
        pipeline = await self._read(await self._repo.resolve_id(pipeline_id))
        return pipeline_view(pipeline, self.template_of(pipeline), branch)

    async def summaries(self) -> list[PipelineSummary]:
        """From the summaries projection, caught up with the log: no pipeline is replayed to list them."""
        return await self._repo.summaries()

    async def events(self, pipeline_id: str, after: int = 0) -> list[Event]:
        pipeline = await self._read(await self._repo.resolve_id(pipeline_id))  # refuses an unknown id
        return await self._repo.events(pipeline.id, after)

    async def export_markdown(self, pipeline_id: str, branch: str | None = None, *, appendix: bool = False) -> str:
        return export.markdown(await self.get(pipeline_id, branch), self._clock(), appendix=appendix)

    async def export_history(self, pipeline_id: str) -> dict[str, Any]:
        view = await self.get(pipeline_id)
        return export.history(view, await self.events(view.id))

    async def import_history(self, history: Mapping[str, Any]) -> PipelineView:
        """Store an exported history (its events) as the same pipeline in this workspace."""
        pipeline, events = export.read_history(history)
        if await self._repo.exists(pipeline.id):
            raise ImportRefusedError(f"pipeline {pipeline.id} already exists in this workspace")
        await self._repo.append_all(pipeline.id, events)
        return pipeline_view(pipeline, self.template_of(pipeline))

    def subscribe(self, pipeline_id: str) -> Subscription:
        """Live messages of a pipeline: every event once stored, and token chunks as models produce them."""
        return self._hub.subscribe(pipeline_id)

    async def resolve_id(self, prefix: str) -> str:
        return await self._repo.resolve_id(prefix)

    @overload
    def template_of(self, pipeline: Pipeline, *, strict: Literal[True]) -> PipelineTemplate: ...

    @overload
    def template_of(self, pipeline: Pipeline, *, strict: bool = False) -> PipelineTemplate | None: ...

    def template_of(self, pipeline: Pipeline, *, strict: bool = False) -> PipelineTemplate | None:
        """The template as it was when the pipeline started (its text is in the first event).

        Showing a pipeline must not depend on today's validation rules (an older or imported pipeline may not
        pass them): only `strict` callers, which are about to render a prompt, get the validation error.
        """
        template = self._templates.get(pipeline.id)
        if template is None:
            try:
                template = self._catalog.parse(pipeline.template_text, pipeline.template_source)
            except TemplateInvalidError:
                if strict:
                    raise
                return None
            self._templates[pipeline.id] = template
        return template

    async def wait_idle(self) -> None:
        await self._generator.wait_all()

    # ----- plumbing ------------------------------------------------------------------------------
    def _lock(self, pipeline_id: str) -> asyncio.Lock:
        return self._locks.setdefault(pipeline_id, asyncio.Lock())

    async def _read(self, pipeline_id: str) -> Pipeline:
        # Under the lock: a command mid-append holds events the store has not acknowledged yet.
        async with self._lock(pipeline_id):
            return await self._repo.load(pipeline_id)

    async def _load(self, pipeline_id: str, expected_version: int | None, branch: str | None = None) -> Pipeline:
        """Only under the pipeline's lock: loading catches the cached aggregate up with the store."""
        pipeline = await self._repo.load(await self._repo.resolve_id(pipeline_id))
        if expected_version is not None and expected_version != pipeline.version:
            raise VersionConflictError(pipeline.id, expected_version, pipeline.version)
        pipeline.require_branch(branch)
        return pipeline

    def _discard(self, pipeline: Pipeline) -> None:
        if pipeline.collect():
            self._repo.forget(pipeline.id)

    async def _command(
        self,
        pipeline_id: str,
        expected_version: int | None,
        command: Callable[[Pipeline, datetime], object],
        branch: str | None = None,
    ) -> PipelineView:
        pipeline_id = await self._repo.resolve_id(pipeline_id)
        async with self._lock(pipeline_id):
            pipeline = await self._load(pipeline_id, expected_version, branch)
            try:
                command(pipeline, self._clock())
                await self._repo.save(pipeline)
            except BaseException:
                self._discard(pipeline)
                raise
            return pipeline_view(pipeline, self.template_of(pipeline))

    async def _record(self, pipeline_id: str, command: Callable[[Pipeline, datetime], object]) -> None:
        """Record what a running generation reports; a conflict with another process is retried on fresh state."""
        for attempt in range(5):
            try:
                await self._command(pipeline_id, None, command)
                return
            except VersionConflictError:
                if attempt == 4:
                    raise
