"""The writer's preferences, read from the global log: each selection, and the tally the leaderboard reads.

A selection prefers the candidate chosen over the other completed candidates of its round (same branch, step
and generation). Selecting an edit of X prefers X (the writer kept X's answer and rewrote it); selecting a
merge prefers each generated candidate it was made from (through merges of merges and edits) over the rest
of that candidate's round, and none of its sources over another. Selecting again the candidate a step
already had (a stale step chosen again) is no new preference; choosing another one later is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from writeit.application.ports import LoggedEvent, Row
from writeit.application.projections import LogProjection
from writeit.domain.events import CandidateSelected
from writeit.domain.pipeline import Pipeline
from writeit.domain.state import Candidate, CandidateOrigin, CandidateStatus

PREFERENCES, PREFERENCES_VERSION = "preferences", 1
TALLY, TALLY_VERSION = "preference_tally", 1

PairRecord = tuple[str, str, str, str]  # chosen candidate, its model, rejected candidate, its model


@dataclass(frozen=True, slots=True, kw_only=True)
class Preference:
    """One selection as a preference: `selected` (generated, edited or merged: `how`) and its pairs."""

    pipeline_id: str
    template: str
    step: str
    branch: str
    seq: int
    at: str
    selected: str
    how: str
    pairs: tuple[PairRecord, ...]


def preference(pipeline: Pipeline, event: CandidateSelected) -> Preference | None:
    """The preference `event` states, seen from `pipeline` just before it; None when it states none."""
    state = pipeline.branches[event.branch].steps[event.step]
    selected = pipeline.candidates.get(event.candidate_id)
    if selected is None or state.selected == event.candidate_id:
        return None
    roots = _roots(pipeline, event.candidate_id, set())
    chosen = {root.id for root in roots}
    pairs = tuple(
        (root.id, root.model, other.id, other.model)
        for root in roots
        for other in _round_of(pipeline, root)
        if other.id not in chosen
    )
    if not pairs:
        return None
    return Preference(
        pipeline_id=pipeline.id, template=template_key(pipeline), step=event.step, branch=event.branch,
        seq=event.seq, at=event.at, selected=selected.id, how=selected.origin.value, pairs=pairs,
    )  # fmt: skip


def template_key(pipeline: Pipeline) -> str:
    """The name a pipeline's template is started by (`quick-article`), read from where it came from."""
    source = pipeline.template_source
    if source.startswith("builtin:"):
        return source.removeprefix("builtin:")
    return PurePath(source).stem or pipeline.template_name


def _roots(pipeline: Pipeline, candidate_id: str, seen: set[str]) -> list[Candidate]:
    """The generated candidates an edit or a merge comes from (itself when generated), in source order."""
    candidate = pipeline.candidates.get(candidate_id)
    if candidate is None or candidate_id in seen:
        return []
    seen.add(candidate_id)
    if candidate.origin is CandidateOrigin.GENERATED:
        return [candidate]
    return [root for source in candidate.sources for root in _roots(pipeline, source, seen)]


def _round_of(pipeline: Pipeline, root: Candidate) -> list[Candidate]:
    """The completed generated candidates of the round `root` answered in."""
    ids = pipeline.branches[root.branch].steps[root.step].candidate_ids
    found = (pipeline.candidates[cid] for cid in ids)
    return [
        c
        for c in found
        if c.branch == root.branch
        and c.generation == root.generation
        and c.origin is CandidateOrigin.GENERATED
        and c.status is CandidateStatus.COMPLETED
    ]


class _SelectionFold(LogProjection):
    """Folds every event into its aggregate, handing each preference a selection states to `_prefer`."""

    async def _page(self, batch: list[LoggedEvent]) -> Mapping[str, Row]:
        rows: dict[str, Row] = {}
        for logged in batch:
            pipeline = await self._before(logged)
            event = logged.event
            if isinstance(event, CandidateSelected) and (found := preference(pipeline, event)) is not None:
                rows.update(await self._prefer(found))
            pipeline.apply(event)
            self._working.put(pipeline)
        return rows

    async def _prefer(self, found: Preference) -> Mapping[str, Row]:
        raise NotImplementedError


class PreferenceLog(_SelectionFold):
    """One row per preference (by pipeline and the selection's seq): what the export reads."""

    name, version = PREFERENCES, PREFERENCES_VERSION

    async def _prefer(self, found: Preference) -> Mapping[str, Row]:
        row: dict[str, Any] = {
            "pipeline_id": found.pipeline_id, "template": found.template, "step": found.step,
            "branch": found.branch, "seq": found.seq, "at": found.at, "selected": found.selected,
            "how": found.how, "pairs": [list(pair) for pair in found.pairs],
        }  # fmt: skip
        return {f"{found.pipeline_id}\x1f{found.seq:012d}": row}

    async def preferences(self) -> list[Preference]:
        """Every preference as of the end of the log, by pipeline then selection."""
        await self.catch_up()
        rows = await self._projections.rows(PREFERENCES)
        return [_preference(row) for row in rows]


def _preference(row: Row) -> Preference:
    pairs = tuple((str(a), str(b), str(c), str(d)) for a, b, c, d in row["pairs"])
    fields = {k: row[k] for k in ("pipeline_id", "template", "step", "branch", "seq", "at", "selected", "how")}
    return Preference(**fields, pairs=pairs)


Tally = dict[tuple[str, str, str, str], int]  # (template, step, winner model, loser model) → wins


class PreferenceTally(_SelectionFold):
    """Wins per (template, step, winner model, loser model): a few rows, whatever the number of preferences.
    A pair of candidates of one model says nothing about models, so it is not counted."""

    name, version = TALLY, TALLY_VERSION
    _counts: Tally | None = None

    def _forget(self) -> None:
        self._counts = None

    async def _prefer(self, found: Preference) -> Mapping[str, Row]:
        counts = self._counts if self._counts is not None else await self._stored()
        self._counts = counts
        rows: dict[str, Row] = {}
        for _, winner, _, loser in found.pairs:
            if winner == loser:
                continue
            key = (found.template, found.step, winner, loser)
            counts[key] = counts.get(key, 0) + 1
            rows[_tally_key(key)] = _tally_row(key, counts[key])
        return rows

    async def tally(self) -> Tally:
        """The counts as of the end of the log."""
        await self.catch_up()
        return await self._stored()

    async def _stored(self) -> Tally:
        rows = await self._projections.rows(TALLY)
        return {(r["template"], r["step"], r["winner"], r["loser"]): int(r["count"]) for r in rows}


def _tally_key(key: tuple[str, str, str, str]) -> str:
    # Model ids and names are free text: a digest keeps the store key short and unambiguous.
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def _tally_row(key: tuple[str, str, str, str], count: int) -> Row:
    template, step, winner, loser = key
    return {"template": template, "step": step, "winner": winner, "loser": loser, "count": count}
