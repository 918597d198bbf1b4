"""The branch tree: every branch under the one it forked from; enter switches to one, k forks a new one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Tree
from textual.widgets.tree import TreeNode

from writeit.application.views import BranchView, PipelineView


@dataclass(frozen=True, slots=True)
class BranchChoice:
    """What the writer chose: switch to `branch`, or fork a new branch at `fork_step`."""

    branch: str = ""
    fork_step: str = ""


def branch_label(b: BranchView, current: str) -> Text:
    text = Text(b.name, "bold green" if b.name == current else "bold")
    if b.parent:
        text.append(f"  forked from {b.parent} at {b.fork_step}", "dim")
    text.append("  ✓ complete" if b.completed else f"  at {b.current_step}", "green" if b.completed else "")
    if b.name == current:
        text.append("  ● current", "green")
    return text


class BranchTreeScreen(ModalScreen[BranchChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("k", "fork", "Fork here"),
    ]

    def __init__(self, view: PipelineView, step: str) -> None:
        super().__init__()
        self._view = view
        self._step = step

    def compose(self) -> ComposeResult:
        tree: Tree[str] = Tree(Text(f"pipeline {self._view.id[:8]}", "bold"), id="branches")
        tree.show_root = False
        nodes: dict[str, TreeNode[str]] = {}
        for b in self._view.branches:  # parents come before their forks (branches are listed by creation)
            parent = nodes.get(b.parent or "", tree.root)
            nodes[b.name] = parent.add(branch_label(b, self._view.branch), data=b.name, expand=True, allow_expand=False)
        with Vertical(classes="dialog branches"):
            yield Label(Text(f"Branches — enter switches · k forks a new branch at step '{self._step}' · esc closes"))
            yield tree

    def on_mount(self) -> None:
        tree = self.query_one(Tree)
        tree.root.expand_all()
        current = next((n for n in _walk(tree.root) if n.data == self._view.branch), None)
        if current is not None:
            tree.move_cursor(current)
        tree.focus()

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        if event.node.data:
            self.dismiss(BranchChoice(branch=event.node.data))

    def action_fork(self) -> None:
        self.dismiss(BranchChoice(fork_step=self._step))


def _walk(node: TreeNode[str]) -> list[TreeNode[str]]:
    found = [node]
    for child in node.children:
        found.extend(_walk(child))
    return found
