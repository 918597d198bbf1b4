"""The step view's comparing keys: mark candidates, merge them (by a model or by hand), diff two, copy, export."""

from __future__ import annotations

from functools import partial

from textual import work

from writeit.application import commands as cmd
from writeit.application.views import PipelineView
from writeit.entrypoints.tui.guard import report
from writeit.entrypoints.tui.screens.dialogs import ExportDialog, MergeDialog, MergeRequest
from writeit.entrypoints.tui.screens.diff import DiffScreen
from writeit.entrypoints.tui.screens.editor import EditorScreen
from writeit.entrypoints.tui.screens.exporting import default_stem, export_to
from writeit.entrypoints.tui.screens.merging import ChangesScreen, PointsChecklist
from writeit.entrypoints.tui.screens.step_view import StepViewScreen
from writeit.entrypoints.tui.widgets.candidate import CandidatePanel


class StepCompareScreen(StepViewScreen):
    def action_mark(self) -> None:
        if (panel := self._target()) is None:
            return
        self.marked.symmetric_difference_update({panel.candidate.id})
        panel.marked = panel.candidate.id in self.marked
        panel.set_class(panel.marked, "-marked")
        panel.tick()

    def _marked_panels(self) -> list[CandidatePanel]:
        return [p for p in (self.deck.panels if self.deck else []) if p.candidate.id in self.marked]

    def action_merge(self) -> None:
        marked = self._marked_panels()
        if len(marked) < 2:
            self.notify("Mark at least two candidates with space, then press m.", severity="warning")
            return

        def chosen(request: MergeRequest | None) -> None:
            if request is not None and request.by_hand:
                self._merge_by_hand(marked)
            elif request is not None and request.guided:
                self._guided_merge(marked, request)
            elif request is not None:
                self._merge_by_model([p.candidate.id for p in marked], request)

        self.app.push_screen(MergeDialog(len(marked), self._recipes()), chosen)

    def _recipes(self) -> list[tuple[str, str]]:
        try:
            return [(r.name, r.description) for r in self.pipelines.recipes.all()]
        except Exception as exc:  # a broken recipes file: say so, and offer the merge without recipes
            report(self, exc, "read the merge recipes")
            return []

    def _merge_by_hand(self, marked: list[CandidatePanel]) -> None:
        text = "\n\n".join(f"<!-- candidate {p.number} ({p.candidate.model}) -->\n{p.text}" for p in marked)
        ids = [p.candidate.id for p in marked]

        async def save(merged: str | None) -> None:
            if merged is not None:
                merge = self.pipelines.handle(
                    cmd.MergeByHand(**self.aim(), step=self.step_key, candidate_ids=tuple(ids), text=merged)
                )
                if (view := await self.act(merge, "merge")) is not None:
                    await self.show_view(view)
                else:
                    self.keep_draft(merged, "merge")

        self.app.push_screen(EditorScreen(f"Merge {len(ids)} candidates by hand", text), save)

    @work(group="merge", exit_on_error=False)
    async def _merge_by_model(self, ids: list[str], request: MergeRequest) -> None:
        self.notify(f"Merging {len(ids)} candidates with {request.model or 'the default model'}…")
        merge = self.pipelines.handle(
            cmd.MergeByModel(
                **self.aim(), step=self.step_key, candidate_ids=tuple(ids), instruction=request.instruction or None,
                model=request.model or None, recipe=request.recipe or None,
            )
        )  # fmt: skip
        if (view := await self.act(merge, "merge")) is not None:
            await self.show_view(view)
            self._merged(view)

    def _merged(self, view: PipelineView) -> None:
        merged = view.step(self.step_key).selected_candidate
        streaming = len(merged.streaming_sources) if merged is not None else 0
        still = f" ({streaming} still generating: merged with the text they had)" if streaming else ""
        self.notify(f"Merged: the merge is now the selection{still}.")

    @work(group="merge", exit_on_error=False)
    async def _guided_merge(self, marked: list[CandidatePanel], request: MergeRequest) -> None:
        ids = [p.candidate.id for p in marked]
        self.notify(f"Listing the points of {len(ids)} candidates…")
        extract = self.pipelines.guided.extract(
            self.pipeline_id, self.step_key, ids, request.model or None, branch=self.branch
        )
        if (extraction := await self.act(extract, "list the points")) is None:
            return
        if extraction.error:
            self.notify(f"No points to tick: {extraction.error}", severity="error", timeout=10)
            return
        labels = {p.candidate.id: f"candidate {p.number}" for p in marked}

        async def ticked(point_ids: list[str] | None) -> None:
            if point_ids is None:
                return
            merge = self.pipelines.guided.merge(
                self.pipeline_id, self.step_key, extraction.id, point_ids, request.instruction or None,
                request.model or None, recipe=request.recipe or None, branch=self.branch,
            )  # fmt: skip
            if (view := await self.act(merge, "merge")) is not None:
                await self.show_view(view)
                self._merged(view)

        self.app.push_screen(PointsChecklist(extraction, labels), ticked)

    @work(group="changes", exit_on_error=False)
    async def action_changes(self) -> None:
        if (panel := self._target()) is None:
            return
        cid = panel.candidate.id
        listed = await self.act(self.pipelines.tracked.changes(self.pipeline_id, self.step_key, cid), "show changes")
        if listed is None:
            return
        if not listed.changes:
            self.notify(f"Candidate {panel.number} makes no change to the text it revised.", severity="warning")
            return

        async def decided(choice: tuple[list[int], list[int]] | None) -> None:
            if choice is None:
                return
            decide = self.pipelines.tracked.decide(
                self.pipeline_id, self.step_key, cid, choice[0], choice[1], branch=self.branch
            )
            if (view := await self.act(decide, "apply the changes")) is not None:
                await self.show_view(view)
                self.notify(f"Applied: {len(choice[0])} accepted, {len(choice[1])} rejected; now your edit.")

        self.app.push_screen(ChangesScreen(listed, f"Changes of candidate {panel.number}"), decided)

    def action_diff(self) -> None:
        pair = self._diff_pair()
        if pair is None:
            self.notify("A diff needs two candidates with text.", severity="warning")
            return
        a, b = pair
        self.app.push_screen(DiffScreen(_label(a), a.text, _label(b), b.text))

    def _diff_pair(self) -> tuple[CandidatePanel, CandidatePanel] | None:
        panels = [p for p in (self.deck.panels if self.deck else []) if p.text]
        marked = [p for p in panels if p.candidate.id in self.marked]
        focused = self.focused_panel()
        selected = next((p for p in panels if p.selected), None)
        if len(marked) >= 2:
            return marked[0], marked[1]
        if focused in panels and selected is not None and focused is not selected:
            first, second = sorted((selected, focused), key=lambda p: p.number)
            return first, second
        return (panels[0], panels[1]) if len(panels) >= 2 else None

    def action_export(self) -> None:
        if self.view is None:
            return
        self.app.push_screen(ExportDialog(default_stem(self.view)), partial(export_to, self))

    def action_copy(self) -> None:
        if (panel := self._target()) is not None:
            self.app.copy_to_clipboard(panel.text)
            self.notify(f"Copied candidate {panel.number} ({len(panel.text)} characters).")

    def _target(self) -> CandidatePanel | None:
        panel = self.focused_panel()
        if panel is None and self.deck is not None and self.deck.panels:
            panel = self.deck.panels[0]
        if panel is None:
            self.notify("There is no candidate on this step yet: g generates it.", severity="warning")
        return panel


def _label(panel: CandidatePanel) -> str:
    return f"{panel.number} ({panel.who or panel.candidate.model})"
