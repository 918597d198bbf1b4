"""A guided merge: one model call lists the candidates' distinct points, the writer ticks and orders them, and
one more call writes the merged text from the ticked points only."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from writeit.application.generation import StepGenerator
from writeit.application.merge_access import PipelineAccess, source_texts
from writeit.application.merge_recipes import RecipeBook, merge_instruction
from writeit.application.views import PipelineView
from writeit.domain.errors import UnknownExtractionError
from writeit.domain.state import Extraction, Point

EXTRACT = (
    "List the distinct points these drafts make, each once, however many drafts make it. Answer with one JSON "
    'object per line and nothing else: {{"point": "<the point in one sentence>", "drafts": [<the numbers of '
    "the drafts that make it>]}}\n\n{drafts}"
)
WRITE = "Write one text that makes these points, in this order, and no others. {instruction}\n\n{points}\n\n" + (
    "Reply with the text only."
)
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+(?P<text>.+?)\s*(?:[\[(](?:drafts?\s*)?(?P<refs>[\d ,&and]+)[\])])?\s*$")


class PointsUnreadableError(ValueError):
    """A model's answer held no points as JSON lines or a numbered list."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionView:
    id: str
    step: str
    source_ids: tuple[str, ...]
    points: tuple[Point, ...]
    model: str
    error: str  # the answer could not be read as points (recorded all the same)
    streaming_sources: tuple[str, ...]
    version: int


def extraction_prompt(texts: Sequence[str]) -> str:
    return EXTRACT.format(drafts="\n\n".join(f"--- Draft {i} ---\n{t}" for i, t in enumerate(texts, 1)))


def parse_points(answer: str, source_ids: Sequence[str]) -> tuple[Point, ...]:
    """The points in a model's answer: JSON lines (or a JSON list) of {"point", "drafts"}, else a numbered or
    bulleted list with the drafts' numbers in brackets. Raises PointsUnreadableError when it finds none."""
    found: list[tuple[str, list[int]]] = []
    for line in _json_items(answer) or [_listed(line) for line in answer.splitlines()]:
        if line is not None and line[0]:
            found.append(line)
    if not found:
        shown = " ".join(answer.split())[:80]
        raise PointsUnreadableError(
            f"the model's answer lists no points (expected JSON lines or a numbered list): {shown!r}"
        )
    return tuple(
        Point(f"p{i}", text, tuple(dict.fromkeys(source_ids[n - 1] for n in drafts if 1 <= n <= len(source_ids))))
        for i, (text, drafts) in enumerate(found, 1)
    )


def _json_items(answer: str) -> list[tuple[str, list[int]] | None]:
    body = answer.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    try:
        whole = json.loads(body)
        values = whole if isinstance(whole, list) else [whole]
    except ValueError:
        values = []
        for line in body.splitlines():
            try:
                values.append(json.loads(line))
            except ValueError:
                continue
    return [_item(v) for v in values if isinstance(v, dict) and _item(v) is not None]


def _item(value: dict[str, object]) -> tuple[str, list[int]] | None:
    text = value.get("point", value.get("text"))
    drafts = value.get("drafts", value.get("sources", []))
    if not isinstance(text, str) or not text.strip():
        return None
    numbers = (
        [int(n) for n in drafts if isinstance(n, int | str) and str(n).isdigit()] if isinstance(drafts, list) else []
    )
    return text.strip(), numbers


def _listed(line: str) -> tuple[str, list[int]] | None:
    match = _ITEM.match(line)
    if match is None:
        return None
    return match["text"], [int(n) for n in re.findall(r"\d+", match["refs"] or "")]


def points_prompt(points: Sequence[Point], instruction: str) -> str:
    listed = "\n".join(f"{i}. {p.text}" for i, p in enumerate(points, 1))
    return WRITE.format(instruction=instruction, points=listed)


class GuidedMerges:
    """The two calls of a guided merge, each recorded: the extraction (points, or why none), then the choice
    and the merge, which keeps its sources, its extraction and its ticked points."""

    def __init__(self, access: PipelineAccess, generator: StepGenerator, recipes: RecipeBook) -> None:
        self._access, self._generator, self._recipes = access, generator, recipes

    async def extract(
        self,
        pipeline_id: str,
        step: str,
        candidate_ids: Sequence[str],
        model: str | None = None,
        expected_version: int | None = None,
        *,
        branch: str | None = None,
    ) -> ExtractionView:
        """Ask a model for the points of the candidates; an answer with no readable points is recorded failed."""
        pipeline = await self._access.load(pipeline_id, expected_version, branch)
        texts, streaming = source_texts(pipeline, step, candidate_ids, self._generator)
        answer = await self._generator.ask(extraction_prompt(texts), model, pipeline, "points")
        try:
            points, error = parse_points(answer.text, candidate_ids), ""
        except PointsUnreadableError as exc:
            points, error = (), str(exc)
        xid = self._access.new_id()
        view = await self._access.run(
            pipeline.id,
            None,
            lambda p, now: p.record_extraction(
                step,
                xid,
                candidate_ids,
                points,
                now,
                model=answer.model,
                answer=answer.text,
                error=error,
                usage=answer,
                streaming=streaming,
            ),
            branch,
        )
        return ExtractionView(
            id=xid, step=step, source_ids=tuple(candidate_ids), points=points, model=answer.model, error=error,
            streaming_sources=tuple(c for c in candidate_ids if c in streaming), version=view.version,
        )  # fmt: skip

    async def get(self, pipeline_id: str, extraction_id: str, step: str | None = None) -> ExtractionView:
        pipeline = await self._access.load(pipeline_id, None, None)
        return _view(self._extraction(pipeline.extractions.get(extraction_id), extraction_id, step), pipeline.version)

    async def merge(
        self,
        pipeline_id: str,
        step: str,
        extraction_id: str,
        point_ids: Sequence[str],
        instruction: str | None = None,
        model: str | None = None,
        expected_version: int | None = None,
        *,
        recipe: str | None = None,
        branch: str | None = None,
    ) -> PipelineView:
        """Record the ticked points (in order), then ask a model to write the merge from them alone."""
        said, recipe_name = merge_instruction(self._recipes, recipe, instruction)
        pipeline = await self._access.load(pipeline_id, expected_version, branch)
        self._extraction(pipeline.require_extraction(extraction_id), extraction_id, step)
        await self._access.run(
            pipeline.id, expected_version, lambda p, now: p.choose_points(extraction_id, point_ids, now), branch
        )
        extraction = pipeline.require_extraction(extraction_id)
        by_id = {p.id: p for p in extraction.points}
        merged = await self._generator.ask(points_prompt([by_id[i] for i in point_ids], said), model, pipeline, "merge")
        new_id = self._access.new_id()
        return await self._access.run(
            pipeline.id,
            None,
            lambda p, now: p.merge(
                step,
                extraction.source_ids,
                new_id,
                merged.text,
                now,
                model=merged.model,
                instruction=said,
                usage=merged,
                recipe=recipe_name,
                streaming=extraction.streaming_sources,
                extraction_id=extraction_id,
                points=point_ids,
            ),
            branch,
        )

    @staticmethod
    def _extraction(extraction: Extraction | None, extraction_id: str, step: str | None) -> Extraction:
        if extraction is None or (step is not None and extraction.step != step):
            raise UnknownExtractionError(extraction_id)
        return extraction


def _view(e: Extraction, version: int) -> ExtractionView:
    return ExtractionView(
        id=e.id, step=e.step, source_ids=e.source_ids, points=e.points, model=e.model, error=e.error,
        streaming_sources=e.streaming_sources, version=version,
    )  # fmt: skip
