"""Events to and from plain records (JSON-ready dicts), upcasting older shapes on the way in."""

from __future__ import annotations

import dataclasses
from typing import Any

from writeit.domain.events import EVENT_TYPES, Event
from writeit.domain.upcasters import UPCASTERS, Record


def to_record(event: Event) -> Record:
    data: Record = {"type": type(event).__name__, "v": type(event).version}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        data[f.name] = list(value) if isinstance(value, tuple) else _plain(value)
    return data


def from_record(record: Record) -> Event:
    """Rebuild an event, upcasting it first; raises ValueError on an unknown type or shape."""

    type_name = record.get("type")
    cls = EVENT_TYPES.get(str(type_name))
    if cls is None:
        raise ValueError(f"unknown event type {type_name!r}")
    record = _upcast(dict(record), str(type_name), cls.version)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in record:
            value = record[f.name]
            kwargs[f.name] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"malformed {type_name} event: {exc}") from None


def _upcast(record: Record, type_name: str, target: int) -> Record:
    version = int(record.get("v", 1))
    while version < target:
        step = UPCASTERS.get((type_name, version))
        if step is None:
            raise ValueError(f"no upcaster for {type_name} v{version}")
        record = step(record)
        version += 1
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value
