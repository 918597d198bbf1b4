"""Tracked changes: a revision as word-level changes against the text it revised, each accepted or rejected."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from writeit.domain.errors import InvalidCommandError
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Candidate, CandidateOrigin, CandidateStatus

# A word with the whitespace before it, or trailing whitespace: joined back, the tokens are the text exactly.
_TOKEN = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True, slots=True)
class Change:
    """Change `n` (1-based): `before` (the revised text's words) became `after` (the revision's)."""

    n: int
    before: str
    after: str

    @property
    def kind(self) -> str:
        return "insert" if not self.before else "delete" if not self.after else "replace"


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _opcodes(before: str, after: str) -> tuple[list[str], list[str], Sequence[tuple[str, int, int, int, int]]]:
    a, b = tokens(before), tokens(after)
    return a, b, difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def word_changes(before: str, after: str) -> list[Change]:
    """The changes that make `before` into `after`, word by word, in reading order."""
    a, b, ops = _opcodes(before, after)
    changed = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    return [Change(n, "".join(a[i1:i2]), "".join(b[j1:j2])) for n, (i1, i2, j1, j2) in enumerate(changed, 1)]


def apply_decisions(before: str, after: str, accepted: Collection[int]) -> str:
    """`before` with the accepted changes (by number) made: all accepted gives `after`, none gives `before`."""
    a, b, ops = _opcodes(before, after)
    parts: list[str] = []
    n = 0
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            parts.extend(a[i1:i2])
            continue
        n += 1
        parts.extend(b[j1:j2] if n in accepted else a[i1:i2])
    return "".join(parts)


def decide(count: int, accept: Collection[int], reject: Collection[int]) -> set[int]:
    """The accepted change numbers: those not rejected (a change nobody decided on stays as the revision has it).

    Raises InvalidCommandError for a number out of range, or one both accepted and rejected."""
    unknown = sorted(n for n in {*accept, *reject} if not 1 <= n <= count)
    if unknown:
        raise InvalidCommandError(f"no change {', '.join(map(str, unknown))}: the changes are numbered 1 to {count}")
    both = sorted(set(accept) & set(reject))
    if both:
        raise InvalidCommandError(f"change {', '.join(map(str, both))} is both accepted and rejected")
    return set(range(1, count + 1)) - set(reject)


def revised_text(p: Pipeline, revision: Candidate, against: str | None = None) -> Candidate:
    """The candidate whose text `revision` revised: its edit's or merge's source (`against` picks one of a
    merge's), or for a generated one the previous step's candidate whose text its prompt carried."""
    if against:
        allowed = revision.sources or _carried(p, revision)
        if against not in allowed:
            raise InvalidCommandError(
                f"candidate '{revision.id}' did not revise '{against}' (it revised: {', '.join(allowed) or 'none'})"
            )
        return p.candidates[against]
    sources = revision.sources if revision.origin is not CandidateOrigin.GENERATED else _carried(p, revision)
    if not sources:
        raise InvalidCommandError(
            f"candidate '{revision.id}' revises no earlier text (not an edit, a merge, or a step whose prompt "
            "uses the previous step's text)"
        )
    return p.candidates[sources[0]]


def _carried(p: Pipeline, c: Candidate) -> tuple[str, ...]:
    """The previous step's candidates (the selection first) whose text is in `c`'s prompt."""
    index = p.step_keys.index(c.step)
    if index == 0:
        return ()
    previous = p.step_state(p.step_keys[index - 1], c.branch)
    order = sorted(previous.candidate_ids, key=lambda cid: cid != previous.selected)
    return tuple(
        cid
        for cid in order
        if p.candidates[cid].status is CandidateStatus.COMPLETED
        and p.candidates[cid].text.strip()
        and p.candidates[cid].text.strip() in c.prompt
    )
