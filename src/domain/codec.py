"""Events to and from plain records (JSON-ready dicts), upcasting older shapes on the way in."""

from __future__ import annotations

import dataclasses
from typing import Any

from writeit.domain.events import EVENT_TYPES, Event
from writeit.domain.upcasters import UPCASTERS, Record

# Values a record holds as they are; the rest (tuples, mappings) are made plain.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_NAMES: dict[type[Event], tuple[str, ...]] = {}


def _field_names(cls: type[Event]) -> tuple[str, ...]:
    """The event's fields in declaration order (dataclasses.fields is slow enough to show in a replay)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def to_record(event: Event) -> Record:
    cls = type(event)
    data: Record = {"type": cls.__name__, "v": cls.version}
    for name in _field_names(cls):
        value = getattr(event, name)
        if type(value) in _SCALARS:
            data[name] = value
        else:
            data[name] = list(value) if isinstance(value, tuple) else _plain(value)
    return data


def from_record(record: Record) -> Event:
    """Rebuild an event, upcasting it first; raises ValueError on an unknown type or shape."""

    type_name = record.get("type")
    cls = EVENT_TYPES.get(str(type_name))
    if cls is None:
        raise ValueError(f"unknown event type {type_name!r}")
    record = _upcast(dict(record), str(type_name), cls.version)
    names = _field_names(cls)
    kwargs: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items() if k in names}
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
