"""Any sequence of commands, valid or not: replay equals state, other branches never change, refusals store nothing."""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.unit.builders import STEPS, Clock, started
from writeit.domain.errors import DomainError
from writeit.domain.events import Event
from writeit.domain.pipeline import CandidateOutput, Pipeline

steps = st.sampled_from(STEPS)
picks = st.integers(min_value=0, max_value=50)
branch_names = st.sampled_from(["main", "alt", "b-2", "../x", ""])
texts = st.sampled_from(["", "  ", "shorter please", "ünïcode ✓"])


def snapshot(p: Pipeline) -> dict[str, object]:
    return {
        "version": p.version,
        "current": p.current_branch,
        "models": p.models,
        "branches": {n: branch_snapshot(p, n) for n in p.branches},
        "candidates": {c.id: (c.status, c.text, c.model, c.sources, tuple(c.attempts)) for c in p.candidates.values()},
    }


def branch_snapshot(p: Pipeline, name: str) -> object:
    b = p.branches[name]
    steps_state = {
        k: (
            s.selected,
            tuple(s.candidate_ids),
            tuple(s.feedback),
            tuple((f.text, f.round) for f in s.pending_feedback),
            tuple(sorted(s.round_feedback.items())),
            s.stale,
        )
        for k, s in b.steps.items()
    }
    return (b.parent, b.fork_step, b.completed, steps_state)


class PipelineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.p = started(self.clock)
        self.log: list[Event] = self.p.collect()
        self.counter = 0

    def _new_id(self) -> str:
        self.counter += 1
        return f"k{self.counter}"

    def _candidate(self, index: int) -> str:
        ids = sorted(self.p.candidates)
        return ids[index % len(ids)] if ids else "missing"

    def _run(self, command: Callable[[], object], also: str | None = None) -> None:
        """Run a command; besides the current branch only `also` (a finishing candidate's own branch) may change."""
        before = snapshot(self.p)
        others = {n: branch_snapshot(self.p, n) for n in self.p.branches if n not in (self.p.current_branch, also)}
        try:
            command()
        except DomainError:
            assert self.p.pending == [], "a refused command recorded events"
            assert snapshot(self.p) == before, "a refused command changed the state"
            return
        self.log.extend(self.p.collect())
        for name, state in others.items():
            assert branch_snapshot(self.p, name) == state, f"branch {name} changed by a command on another branch"

    @rule(step=steps, n=st.integers(1, 3))
    def start_step(self, step: str, n: int) -> None:
        pairs = [(self._new_id(), "echo") for _ in range(n)]
        self._run(lambda: self.p.start_step(step, pairs, self.clock(), prompt=step))

    @rule(i=picks, outcome=st.sampled_from(["complete", "fail", "cancel", "interrupt"]))
    def finish(self, i: int, outcome: str) -> None:
        cid, now = self._candidate(i), self.clock()
        actions = {
            "complete": lambda: self.p.complete_candidate(cid, CandidateOutput(model="echo", text=f"t{cid}"), now),
            "fail": lambda: self.p.fail_candidate(cid, "echo", "boom", now),
            "cancel": lambda: self.p.cancel_candidate(cid, now, partial_text="par"),
            "interrupt": lambda: self.p.interrupt_candidate(cid, now),
        }
        candidate = self.p.candidates.get(cid)
        self._run(actions[outcome], also=candidate.branch if candidate is not None else None)

    @rule(step=steps, i=picks)
    def select(self, step: str, i: int) -> None:
        self._run(lambda: self.p.select(step, self._candidate(i), self.clock()))

    @rule(step=steps, i=picks, text=texts)
    def edit(self, step: str, i: int, text: str) -> None:
        self._run(lambda: self.p.edit(step, self._candidate(i), self._new_id(), text, self.clock()))

    @rule(step=steps, i=picks, j=picks)
    def merge(self, step: str, i: int, j: int) -> None:
        sources = [self._candidate(i), self._candidate(j)]
        self._run(lambda: self.p.merge(step, sources, self._new_id(), "merged", self.clock(), model="echo"))

    @rule(step=steps, text=texts)
    def feedback(self, step: str, text: str) -> None:
        self._run(lambda: self.p.give_feedback(step, text, self.clock()))

    @rule(step=steps)
    def keep(self, step: str) -> None:
        self._run(lambda: self.p.keep_stale(step, self.clock()))

    @rule(step=steps, name=branch_names)
    def fork(self, step: str, name: str) -> None:
        self._run(lambda: self.p.fork(step, name, self.clock()))

    @rule(name=branch_names)
    def switch(self, name: str) -> None:
        self._run(lambda: self.p.switch(name, self.clock()))

    @invariant()
    def replay_rebuilds_the_same_state(self) -> None:
        assert snapshot(Pipeline.replay(self.log)) == snapshot(self.p)

    @invariant()
    def sequence_numbers_are_contiguous(self) -> None:
        assert [e.seq for e in self.log] == list(range(1, len(self.log) + 1))


PipelineMachine.TestCase.settings = settings(
    max_examples=int(
        os.environ.get("WRITEIT_HYPOTHESIS_EXAMPLES", "2000" if os.environ.get("WRITEIT_HEAVY") else "150")
    ),
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_any_sequence_of_commands_keeps_the_branching_rules = PipelineMachine.TestCase
