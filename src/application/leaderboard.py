"""Use cases over the writer's preferences: the models' leaderboard and the preference export (DPO, JSON lines)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from writeit.application.errors import ApplicationError
from writeit.application.ports import EventStore, ProjectionStore
from writeit.application.preferences import Preference, PreferenceLog, PreferenceTally
from writeit.application.ratings import Pair, Standing, standings
from writeit.application.repository import PipelineRepository
from writeit.domain.pipeline import Pipeline

EXPORT_FORMATS = ("dpo", "jsonl")


class ExportFormatError(ApplicationError):
    def __init__(self, fmt: str) -> None:
        super().__init__(f"unknown preference format '{fmt[:40]}' (expected one of: {', '.join(EXPORT_FORMATS)})")


@dataclass(frozen=True, slots=True, kw_only=True)
class Leaderboard:
    """The standings of the models over the preferences matching `template` and `step` (None: any)."""

    template: str | None
    step: str | None
    comparisons: int  # preferred-over pairs between two different models
    models: tuple[Standing, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PreferenceExport:
    records: tuple[dict[str, Any], ...]
    without_prompt: int  # pairs left out: their round recorded no prompt (stores written before prompts were)


class PreferenceService:
    """Reads the preference projections (caught up with the log first); never replays to rank."""

    def __init__(self, store: EventStore, projections: ProjectionStore, repository: PipelineRepository) -> None:
        self._repository = repository
        self._log = PreferenceLog(store, projections, repository.load_at)
        self._tally = PreferenceTally(store, projections, repository.load_at)

    async def leaderboard(self, template: str | None = None, step: str | None = None) -> Leaderboard:
        counts: dict[Pair, int] = {}
        for (t, s, winner, loser), n in (await self._tally.tally()).items():
            if (template is None or t == template) and (step is None or s == step):
                counts[winner, loser] = counts.get((winner, loser), 0) + n
        table = standings(counts)
        return Leaderboard(template=template, step=step, comparisons=sum(counts.values()), models=tuple(table))

    async def best(self, template: str, step: str) -> Standing | None:
        """The best-rated model of a template's step, if any preference ranks one."""
        table = (await self.leaderboard(template, step)).models
        return table[0] if table else None

    async def export(
        self, fmt: str, template: str | None = None, step: str | None = None, pipelines: Sequence[str] = ()
    ) -> PreferenceExport:
        """One record per (chosen, rejected) pair of the matching preferences, the prompt as it was sent."""
        if fmt not in EXPORT_FORMATS:
            raise ExportFormatError(fmt)
        wanted = {await self._repository.resolve_id(p) for p in pipelines}
        records: list[dict[str, Any]] = []
        missing = 0
        for found in await self._log.preferences():
            if (wanted and found.pipeline_id not in wanted) or template not in (None, found.template):
                continue
            if step not in (None, found.step):
                continue
            made, left = _records(await self._repository.load(found.pipeline_id), found, fmt)
            records.extend(made)
            missing += left
        return PreferenceExport(records=tuple(records), without_prompt=missing)


def _records(pipeline: Pipeline, found: Preference, fmt: str) -> tuple[list[dict[str, Any]], int]:
    """The pairs of one preference: chosen is the text selected (an edit's or a merge's own text), rejected the
    other candidate's; a merge of two candidates of one round over a third gives that pair once."""
    selected = pipeline.candidates[found.selected]
    records, seen, missing = [], set(), 0
    for chosen_id, chosen_model, rejected_id, rejected_model in found.pairs:
        if rejected_id in seen:
            continue
        seen.add(rejected_id)
        root, rejected = pipeline.candidates[chosen_id], pipeline.candidates[rejected_id]
        if not root.prompt:
            missing += 1
            continue
        record: dict[str, Any] = {"prompt": root.prompt, "chosen": selected.text, "rejected": rejected.text}
        if fmt == "jsonl":
            record |= {
                "system": root.system, "chosen_model": chosen_model, "rejected_model": rejected_model,
                "pipeline_id": found.pipeline_id, "template": found.template, "step": found.step,
                "branch": found.branch, "round": root.generation, "how": found.how,
                "chosen_candidate_id": found.selected, "chosen_source_id": chosen_id,
                "rejected_candidate_id": rejected_id, "selected_at": found.at,
            }  # fmt: skip
        records.append(record)
    return records, missing
