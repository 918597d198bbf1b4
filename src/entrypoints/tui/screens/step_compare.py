"""The step view's comparing keys: mark candidates, merge them (by a model or by hand), diff two, copy, export."""

from __future__ import annotations

from functools import partial

from textual import work

from writeit.application import commands as cmd
from writeit.entrypoints.tui.screens.dialogs import ExportDialog, MergeDialog, MergeRequest
from writeit.entrypoints.tui.screens.diff import DiffScreen
from writeit.entrypoints.tui.screens.editor import EditorScreen
from writeit.entrypoints.tui.screens.exporting import default_stem, export_to
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
            elif request is not None:
                self._merge_by_model([p.candidate.id for p in marked], request)

        self.app.push_screen(MergeDialog(len(marked)), chosen)

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
                **self.aim(), step=self.step_key, candidate_ids=tuple(ids), instruction=request.instruction,
                model=request.model or None,
            )
        )  # fmt: skip
        if (view := await self.act(merge, "merge")) is not None:
            await self.show_view(view)
            self.notify("Merged: the merge is now the selection.")

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
