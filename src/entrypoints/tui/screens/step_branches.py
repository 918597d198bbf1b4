"""The step view's branch keys: the branch tree, switching to a branch, and forking a named one here."""

from __future__ import annotations

from functools import partial

from writeit.application import commands as cmd
from writeit.domain.errors import BranchError, BranchMovedError
from writeit.domain.pipeline import next_branch_name
from writeit.entrypoints.tui.guard import attempt, report
from writeit.entrypoints.tui.screens.branches import BranchChoice, BranchTreeScreen
from writeit.entrypoints.tui.screens.dialogs import BranchNameDialog
from writeit.entrypoints.tui.screens.step_compare import StepCompareScreen


class StepBranchScreen(StepCompareScreen):
    def action_branches(self) -> None:
        if self.view is None:
            return

        taken = [b.name for b in self.view.branches]

        async def chosen(choice: BranchChoice | None) -> None:
            if choice is not None and choice.fork_step:
                dialog = BranchNameDialog(
                    choice.fork_step, next_branch_name(taken), partial(self._fork, choice.fork_step)
                )
                self.app.push_screen(dialog)
            elif choice is not None:
                switch = self.pipelines.handle(cmd.Switch(pipeline_id=self.pipeline_id, to=choice.branch))
                view = await attempt(self, switch, "switch branch")
                if view is not None:
                    await self.show_view(view, view.current_step)

        self.app.push_screen(BranchTreeScreen(self.view, self.step_key), chosen)

    async def _fork(self, step: str, name: str) -> str | None:
        """Fork at `step` as `name`: None when done (or failed for a reason the screen reports), else why the
        name was refused (taken, invalid, a step still generating), for the dialog to show."""
        try:
            view = await self.pipelines.handle(cmd.Fork(**self.aim(), from_step=step, name=name))
        except BranchMovedError as exc:
            report(self, exc, "fork")
            await self.reload(to_current_step=True)
            return None
        except BranchError as exc:
            return str(exc)
        except Exception as exc:
            report(self, exc, "fork")
            return None
        self.notify(f"Forked branch '{view.branch}' at step '{step}'.")
        await self.show_view(view, view.current_step)
        return None
