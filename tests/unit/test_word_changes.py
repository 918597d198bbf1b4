"""Word-level tracked changes: the changes between two texts, and the text the writer's decisions make."""

from __future__ import annotations

import pytest

from writeit.domain.changes import Change, apply_decisions, decide, tokens, word_changes
from writeit.domain.errors import InvalidCommandError

BEFORE = "The store keeps every event.\nReplays are fast."
AFTER = "The store keeps each event forever.\nReplays are very fast."


def test_tokens_joined_back_are_the_text_exactly() -> None:
    for text in (BEFORE, "  leading and trailing  \n", "", "one"):
        assert "".join(tokens(text)) == text


def test_the_changes_are_word_level_and_in_reading_order() -> None:
    assert word_changes(BEFORE, AFTER) == [
        Change(1, " every event.", " each event forever."),
        Change(2, "", " very"),
    ]
    assert [c.kind for c in word_changes("a b c", "a c d")] == ["delete", "insert"]


def test_accepting_every_change_gives_the_revision_and_rejecting_every_one_gives_the_original() -> None:
    assert apply_decisions(BEFORE, AFTER, {1, 2}) == AFTER
    assert apply_decisions(BEFORE, AFTER, set()) == BEFORE


def test_accepting_some_changes_makes_those_alone() -> None:
    assert apply_decisions(BEFORE, AFTER, {2}) == "The store keeps every event.\nReplays are very fast."
    assert apply_decisions(BEFORE, AFTER, {1}) == "The store keeps each event forever.\nReplays are fast."


def test_a_change_nobody_decided_on_stays_as_the_revision_made_it() -> None:
    assert decide(3, accept={1}, reject={2}) == {1, 3}
    assert decide(2, accept=(), reject=()) == {1, 2}


@pytest.mark.parametrize(("accept", "reject", "message"), [({4}, set(), "no change 4"), ({1}, {1}, "both")])
def test_a_decision_on_no_such_change_or_both_ways_is_refused(accept: set[int], reject: set[int], message: str) -> None:
    with pytest.raises(InvalidCommandError, match=message):
        decide(3, accept, reject)
