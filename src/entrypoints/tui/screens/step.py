"""The step view's keys: select, edit, feedback, regenerate, cancel, navigate, branch, judge (compare: step_compare)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from writeit.application import commands as cmd
from writeit.application.service import PipelineService
from writeit.entrypoints.tui.guard import attempt
from writeit.entrypoints.tui.screens.dialogs import FeedbackDialog
from writeit.entrypoints.tui.screens.editor import EditorScreen, HelpScreen
from writeit.entrypoints.tui.screens.judging import StepJudgeScreen
from writeit.entrypoints.tui.widgets.candidate import CandidatePanel

# (action, title, help): the command palette offers the same actions as the keys.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("select_focused", "Select candidate", "Select the focused candidate for this step"),
    ("edit", "Edit candidate", "Rewrite the focused candidate by hand (kept as a new candidate)"),
    ("feedback", "Feedback and regenerate", "Give feedback, then regenerate every candidate of this step"),
    ("regenerate", "Regenerate candidate", "Generate the focused candidate again with the same model"),
    ("generate", "Regenerate step", "Generate every candidate of this step again"),
    ("mark", "Mark candidate", "Mark or unmark the focused candidate for merge or diff"),
    (
        "merge",
        "Merge marked candidates",
        "Merge the marked candidates: by a model (a recipe, or ticked points) or by hand",
    ),
    ("changes", "Tracked changes", "Accept or reject each change the focused candidate made to the text it revised"),
    ("judge", "Judge candidates", "Ask a judge model to score each candidate on criteria, with reasons (no selection)"),
    ("cancel", "Cancel candidate", "Stop the focused candidate while it streams"),
    ("next_step", "Next step", "Go to the next step (generating it when it has no candidates)"),
    ("previous_step", "Previous step", "Go back one step"),
    ("branches", "Branch tree", "Show the branches; switch to one or fork a new one here"),
    ("diff", "Diff candidates", "Compare two candidates (the marked ones, or the focused and the selected)"),
    ("export", "Export", "Write the article (Markdown) or the history (JSON, YAML, JSON lines) to a file"),
    ("keep_stale", "Keep stale step", "Keep this stale step's selection as it is"),
    ("copy", "Copy candidate", "Copy the focused candidate's text to the clipboard"),
    ("toggle_history", "Show all rounds", "Show or hide the candidates of earlier rounds"),
    ("help", "Help", "Show the keys of this screen"),
)


class StepScreen(StepJudgeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "select(1)", "Select", key_display="1-9"),
        *(Binding(str(n), f"select({n})", show=False) for n in range(2, 10)),
        Binding("enter", "select_focused", "Select focused", show=False),
        Binding("e", "edit", "Edit"),
        Binding("f", "feedback", "Feedback"),
        Binding("r", "regenerate", "Regen one", show=False),
        Binding("g", "generate", "Regen"),
        Binding("space", "mark", "Mark", show=False),
        Binding("m", "merge", "Merge"),
        Binding("t", "changes", "Changes", show=False),
        Binding("j", "judge", "Judge", show=False),
        Binding("x", "cancel", "Cancel", show=False),
        Binding("n", "next_step", "Next"),
        Binding("p", "previous_step", "Previous step", show=False),
        Binding("b", "branches", "Branches"),
        Binding("d", "diff", "Diff", show=False),
        Binding("s", "export", "Export"),
        Binding("a", "keep_stale", "Keep stale", show=False),
        Binding("c", "copy", "Copy", show=False),
        Binding("h", "toggle_history", "All rounds", show=False),
        Binding("left", "focus_candidate(-1)", "Previous candidate", show=False, priority=True),
        Binding("right", "focus_candidate(1)", "Next candidate", show=False, priority=True),
        Binding("escape", "home", "Home", show=False),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(
        self, pipelines: PipelineService, pipeline_id: str, *, models: Sequence[str] = (), generate: bool = False
    ) -> None:
        super().__init__(pipelines, pipeline_id, models=models)
        self._generate_on_open = generate

    async def on_mount(self) -> None:
        view = await self.open()
        if view is not None and self._generate_on_open and not view.step(self.step_key).candidates:
            await self.generate()

    # ----- choosing --------------------------------------------------------------------------------
    async def action_select(self, number: int) -> None:
        panels = self.deck.panels if self.deck is not None else []
        if not 0 < number <= len(panels):
            self.notify(f"There is no candidate {number} on this step.", severity="warning")
            return
        await self._select(panels[number - 1])

    async def action_select_focused(self) -> None:
        if (panel := self._target()) is not None:
            await self._select(panel)

    async def _select(self, panel: CandidatePanel) -> None:
        select = self.pipelines.handle(cmd.Select(**self.aim(), step=self.step_key, candidate_id=panel.candidate.id))
        view = await self.act(select, "select")
        if view is not None:
            await self.show_view(view)

    async def action_keep_stale(self) -> None:
        view = await self.act(self.pipelines.handle(cmd.KeepStale(**self.aim(), step=self.step_key)), "keep")
        if view is not None:
            await self.show_view(view)

    def action_edit(self) -> None:
        if (panel := self._target()) is None:
            return
        title = f"Edit candidate {panel.number} ({panel.candidate.model})"

        async def save(text: str | None) -> None:
            if text is not None:
                edit = self.pipelines.handle(
                    cmd.Edit(**self.aim(), step=self.step_key, candidate_id=panel.candidate.id, text=text)
                )
                if (view := await self.act(edit, "save the edit")) is not None:
                    await self.show_view(view)
                else:
                    self.keep_draft(text, "edit")

        self.app.push_screen(EditorScreen(title, panel.text), save)

    # ----- generating ------------------------------------------------------------------------------
    async def generate(self, *, feedback: str | None = None, candidate_id: str | None = None) -> bool:
        """Start a round of this step; False (the writer told why) if it could not start."""
        models = self.models if candidate_id is None else ()
        run = self.pipelines.handle(
            cmd.Generate(**self.aim(), step=self.step_key, feedback=feedback, models=models, candidate_id=candidate_id)
        )
        if (generation := await self.act(run, "generate")) is None:
            return False
        estimate = generation.estimate
        if estimate is not None and estimate.cost > 0:  # priced models only: local and test models are free
            unpriced = f"; not priced: {', '.join(estimate.unpriced)}" if estimate.unpriced else ""
            self.notify(
                f"{estimate.candidates} candidate(s), about ${estimate.cost:.4g} (estimated: "
                f"{estimate.input_tokens} tokens in, {estimate.output_tokens} out{unpriced})",
                title="Generating",
            )
        await self.reload()
        return True

    async def action_generate(self) -> None:
        await self.generate()

    async def action_regenerate(self) -> None:
        if (panel := self._target()) is not None:
            await self.generate(candidate_id=panel.candidate.id)

    def action_feedback(self) -> None:
        async def regenerate(text: str | None) -> None:
            if text and not await self.generate(feedback=text):
                self.keep_draft(text, "feedback")

        self.app.push_screen(FeedbackDialog(), regenerate)

    async def action_cancel(self) -> None:
        panel = self._target()
        if panel is None or panel.candidate.status != "pending":
            self.notify("The focused candidate is not running.", severity="warning")
            return
        cancel = self.pipelines.handle(cmd.Cancel(pipeline_id=self.pipeline_id, candidate_id=panel.candidate.id))
        stopped = await attempt(self, cancel, "cancel")
        if stopped is False:
            self.notify(f"Candidate {panel.number} had already finished.", severity="warning")

    # ----- moving around ---------------------------------------------------------------------------
    async def action_next_step(self) -> None:
        if self.view is None:
            return
        keys = [s.key for s in self.view.steps]
        index = keys.index(self.step_key)
        if index == len(keys) - 1:
            self.notify("This is the last step: s exports the article.")
            return
        if self.view.step(self.step_key).selected is None:
            self.notify("Select a candidate first (1–9), then press n.", severity="warning")
            return
        await self.show_view(self.view, keys[index + 1])
        if not self.view.step(self.step_key).candidates:
            await self.generate()

    async def action_previous_step(self) -> None:
        if self.view is not None:
            keys = [s.key for s in self.view.steps]
            await self.show_view(self.view, keys[max(keys.index(self.step_key) - 1, 0)])

    def action_focus_candidate(self, delta: int) -> None:
        panels = self.deck.panels if self.deck is not None else []
        if panels and self.deck is not None:
            current = self.focused_panel()
            index = panels.index(current) if current in panels else -delta
            self.deck.show_panel(panels[(index + delta) % len(panels)])

    async def action_toggle_history(self) -> None:
        self.show_all = not self.show_all
        if self.view is not None:
            await self.show_view(self.view)

    def action_home(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        notes = "A stale step was built on an earlier selection. Marked (space) candidates are merged or diffed."
        self.app.push_screen(HelpScreen("step view", self.BINDINGS, notes))
