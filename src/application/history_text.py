"""An exported history as JSON (one document, or its events as JSON lines), and read back from either."""

from __future__ import annotations

import json
from typing import Any

from writeit.application.export import HISTORY_FORMAT


def history_json(history: dict[str, Any]) -> str:
    return json.dumps(history, ensure_ascii=False, indent=2) + "\n"


def history_jsonl(history: dict[str, Any]) -> str:
    """The events alone, one JSON record per line: the stream itself, appendable and greppable."""
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in history["events"])


class HistoryFormatError(ValueError):
    """The text is neither a JSON history document nor JSON lines of events; the message says where."""


def parse_history(text: str) -> dict[str, Any]:
    """A history from either export: the JSON document, or JSON lines of events (wrapped the same way)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise HistoryFormatError(f"{exc.lineno}: not valid JSON ({exc.msg})") from None
        return {"format": HISTORY_FORMAT, "events": _json_lines(text)}
    except (ValueError, RecursionError) as exc:  # a number of more than 4,300 digits, nesting too deep
        raise HistoryFormatError(f"1: not a WriteIt history ({type(exc).__name__})") from None
    if isinstance(document, dict) and "format" in document:
        return document
    if isinstance(document, dict):
        return {"format": HISTORY_FORMAT, "events": [document]}  # a stream of one event
    raise HistoryFormatError("1: not a WriteIt history (a JSON object or JSON lines of events)")


def _json_lines(text: str) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise HistoryFormatError(f"{number}: not a JSON event record ({exc.msg})") from None
        except (ValueError, RecursionError) as exc:
            raise HistoryFormatError(f"{number}: not a JSON event record ({type(exc).__name__})") from None
    return records
