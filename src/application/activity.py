"""The generator's log: each generation's start and end (model, tokens, duration), retries, fall-throughs, cancels
and merges. Ids, models, counts and reasons only: never a prompt or an answer, which may hold what is private.

Plain stdlib logging with `extra` fields (the application takes no logging framework); the entrypoint's handler
writes them as JSON fields, redacting anything shaped like a key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from writeit.domain.pipeline import CandidateOutput

log = logging.getLogger("writeit.generation")


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def started(pipeline_id: str, step: str, candidate_id: str, chain: Sequence[str], sample: int) -> None:
    log.info(
        "generation started: %s on %s",
        candidate_id[:8],
        chain[0],
        extra={
            "pipeline": pipeline_id,
            "step": step,
            "candidate": candidate_id,
            "models": list(chain),
            "sample": sample,
        },
    )


def finished(pipeline_id: str, candidate_id: str, output: CandidateOutput) -> None:
    log.info(
        "generation finished: %s by %s, %d→%d tokens in %d ms",
        candidate_id[:8],
        output.model,
        output.input_tokens,
        output.output_tokens,
        output.duration_ms,
        extra={
            "pipeline": pipeline_id, "candidate": candidate_id, "model": output.model,
            "input_tokens": output.input_tokens, "output_tokens": output.output_tokens,
            "usage_estimated": output.usage_estimated, "cost_usd": output.cost, "duration_ms": output.duration_ms,
            "cached": output.cached,
        },
    )  # fmt: skip


def failed(pipeline_id: str, candidate_id: str, model: str, error: str, seconds: float) -> None:
    log.warning(
        "generation failed: %s on %s after %d ms: %s",
        candidate_id[:8],
        model,
        _ms(seconds),
        error,
        extra={"pipeline": pipeline_id, "candidate": candidate_id, "model": model, "duration_ms": _ms(seconds)},
    )


def cancelled(pipeline_id: str, candidate_id: str, seconds: float, kept_chars: int) -> None:
    log.info(
        "generation cancelled: %s after %d ms, %d characters kept",
        candidate_id[:8],
        _ms(seconds),
        kept_chars,
        extra={"pipeline": pipeline_id, "candidate": candidate_id, "duration_ms": _ms(seconds), "kept": kept_chars},
    )


def retried(pipeline_id: str, candidate_id: str, model: str, attempt: int, reason: str) -> None:
    log.info(
        "retry: %s on %s after attempt %d: %s",
        candidate_id[:8],
        model,
        attempt,
        reason,
        extra={"pipeline": pipeline_id, "candidate": candidate_id, "model": model, "attempt": attempt},
    )


def fell_through(pipeline_id: str, candidate_id: str, old: str, new: str, reason: str) -> None:
    log.info(
        "fall-through: %s from %s to %s: %s",
        candidate_id[:8],
        old,
        new,
        reason,
        extra={"pipeline": pipeline_id, "candidate": candidate_id, "from_model": old, "to_model": new},
    )


def merged(pipeline_id: str, sources: int, output: CandidateOutput) -> None:
    log.info(
        "merge: %d candidates by %s, %d→%d tokens in %d ms",
        sources,
        output.model,
        output.input_tokens,
        output.output_tokens,
        output.duration_ms,
        extra={
            "pipeline": pipeline_id, "model": output.model, "sources": sources, "input_tokens": output.input_tokens,
            "output_tokens": output.output_tokens, "cost_usd": output.cost, "duration_ms": output.duration_ms,
        },
    )  # fmt: skip
