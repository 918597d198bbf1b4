"""Completed candidates in llm's own logs database, written the way llm's CLI writes a prompt it ran."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

from writeit.application.ports import CompletedCandidate

THREAD_PREFIX = "writeit-"


def thread_name(completed: CompletedCandidate) -> str:
    """What `llm logs` shows as the conversation: the pipeline, step and candidate this answer was."""
    return f"writeit pipeline={completed.pipeline_id} step={completed.step} candidate={completed.candidate_id}"


class LlmLogs:
    """Each candidate becomes an llm Response (`Response.from_dict`) logged with `response.log_to_db(db)`, in a
    conversation of its own named by its ids; nothing else (no options, so never a key) is written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # candidates finish together: one writer at a time, no "database is locked"

    async def record(self, completed: CompletedCandidate) -> None:
        await asyncio.to_thread(self._write, completed)  # SQLite and llm's plugin hooks block: off the loop

    def _write(self, completed: CompletedCandidate) -> None:
        import llm
        import sqlite_utils
        from llm.cli import logs_db_path
        from llm.logs import LogStore

        model = llm.get_model(completed.model)
        response = llm.Response.from_dict(_response_dict(completed), model=model)  # type: ignore[arg-type]
        thread_id = THREAD_PREFIX + completed.candidate_id
        response.conversation = llm.Conversation(model=model, id=thread_id)
        # from_dict restores neither when nor how long: set the two fields llm's timings are read from.
        response._start_utcnow = datetime.fromisoformat(completed.at)
        response._start, response._end = 0.0, completed.duration_ms / 1000
        with self._lock:
            db = sqlite_utils.Database(logs_db_path())  # type: ignore[no-untyped-call]
            try:
                # Named first: logging into an existing conversation keeps its name (else llm names it by the prompt).
                LogStore(db).ensure_thread(thread_id, name=thread_name(completed))  # type: ignore[no-untyped-call]
                response.log_to_db(db)  # type: ignore[no-untyped-call]
            finally:
                db.close()


def _response_dict(completed: CompletedCandidate) -> dict[str, Any]:
    """The candidate in the shape `Response.to_dict` gives (llm's serialization.ResponseDict)."""
    messages = [{"role": "user", "parts": [{"type": "text", "text": completed.prompt}]}]
    prompt: dict[str, Any] = {"messages": messages}
    if completed.system:
        messages.insert(0, {"role": "system", "parts": [{"type": "text", "text": completed.system}]})
        prompt["system"] = completed.system
    return {
        "model": completed.model,
        "prompt": prompt,
        "messages": [{"role": "assistant", "parts": [{"type": "text", "text": completed.text}]}],
        "usage": {"input": completed.input_tokens, "output": completed.output_tokens},
        "datetime_utc": completed.at,
    }
