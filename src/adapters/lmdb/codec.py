"""Events to and from the bytes LMDB stores: the domain codec's JSON records, made and read by msgspec.

The stored shape is exactly `domain.codec.to_record` as JSON: `{"type":…,"v":…,<fields>}`. msgspec builds the
event straight from the bytes (three times faster than json + from_record, which is what keeps replaying a
long pipeline under the target); anything it cannot take as is (an older version to upcast, an unknown type,
a malformed value) goes through the domain codec, which upcasts or names the problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

from writeit.domain.codec import from_record
from writeit.domain.events import EVENT_TYPES, Event

_VERSION = b'","v":'
_HEAD_SPAN = 64  # a head is `{"type":"<longest event name>","v":<digits>,` and fits well within this


def _plain(value: Any) -> Any:
    # Inputs may be any Mapping (a read-only view, say); JSON only knows dicts.
    if isinstance(value, Mapping):
        return dict(value)
    raise NotImplementedError(f"cannot store a {type(value).__name__}")


_ENCODER = msgspec.json.Encoder(enc_hook=_plain)


_HEADS: dict[type[Event], bytes] = {}


def _head(cls: type[Event]) -> bytes:
    """What every current record of `cls` starts with: its type and version, as to_record orders them."""
    head = _HEADS.get(cls)
    if head is None:
        head = _HEADS[cls] = b'{"type":"' + cls.__name__.encode() + _VERSION + str(cls.version).encode() + b","
    return head


_DECODERS: dict[bytes, msgspec.json.Decoder[Event]] = {}


def _decoders() -> dict[bytes, msgspec.json.Decoder[Event]]:
    """A decoder per current head; a record whose head is not here takes the domain codec's way."""
    if not _DECODERS:
        _DECODERS.update({_head(cls): msgspec.json.Decoder(cls) for cls in EVENT_TYPES.values()})
    return _DECODERS


def encode(event: Event) -> bytes:
    """The event as a JSON record: its type and version first, then its fields in declaration order."""
    body = _ENCODER.encode(event)  # '{"pipeline_id":…}': every event has fields, so the body is never '{}'
    return _head(type(event)) + body[1:]


def decode(value: bytes | memoryview) -> Event:
    """The event stored as `value`, upcast if older; raises ValueError when it cannot be read.

    `value` may be a buffer into the map (read without copying), valid only while its transaction is open.
    """
    head = bytes(value[:_HEAD_SPAN])
    end = head.find(b",", head.find(_VERSION) + len(_VERSION))
    decoder = _decoders().get(head[: end + 1]) if end > 0 else None
    if decoder is not None:
        try:
            return decoder.decode(value)
        except msgspec.MsgspecError:
            pass  # let the domain codec accept what it can, or say what is wrong
    record = json.loads(bytes(value))
    if not isinstance(record, dict):
        raise ValueError(f"an event record must be a JSON object, not {type(record).__name__}")
    return from_record(record)
