"""A dict whose values stay encoded (msgpack) until first read: a snapshot's candidates and branches.

A 100,000-event pipeline holds some 50,000 candidates; decoding them all made a snapshot load cost most of a
full replay, while the commands after a load touch only the current step's few. Each value is decoded once, on
first access, and replaces its encoded form; once all are decoded the dict is a plain dict in all but type. Where
values are decoded many at a time (every value, for a view that sums them), `decode_many` may do it in one go:
a snapshot's candidates are read from a database of their own, in one transaction rather than one each.

A map also remembers, for each decoded value, how the last stored snapshot encoded it, until the value is reached
by key again: the domain changes a value only through its key (`apply` looks each one up), so a value not reached
since is unchanged and the next snapshot reuses its encoding instead of encoding all of them again. Reading every
value (`values()`, `items()`, iterating) does not forget it: nothing changes what it reads that way.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, ValuesView
from typing import Any

import msgspec

_MISSING: Any = object()


class LazyMap(dict[str, Any]):
    """A dict of decoded values, some of them still `msgspec.Raw` until read (by key, or all at once)."""

    __slots__ = (
        "_decode", "_decode_many", "_decoded_keys", "_encoded", "_encoded_bytes", "_saved", "_saving", "context",
    )  # fmt: skip

    def __init__(
        self,
        encoded: dict[str, msgspec.Raw],
        decode: Callable[[msgspec.Raw], Any],
        context: Any = None,
        decode_many: Callable[[list[msgspec.Raw]], list[Any]] | None = None,
    ) -> None:
        super().__init__(encoded)
        self._decode = decode
        self._decode_many = decode_many  # the values of a list of encoded ones, in order
        self.context = context  # what the encoded values refer to (where a snapshot's bodies are), for re-encoding
        self._encoded = len(encoded)  # values not decoded yet, and their bytes
        self._encoded_bytes = sum(len(v) for v in encoded.values())
        self._decoded_keys: list[str] = []  # since the load, in order (some may have been removed since)
        # How a stored snapshot encoded each value not reached by key since (every value still encoded among them),
        # and the same for each snapshot being stored, until it is.
        self._saved: dict[str, Any] = dict(encoded)
        self._saving: list[dict[str, Any]] = []

    def holding(self, values: dict[str, Any]) -> LazyMap:
        """This empty map filled with values all decoded (a replayed aggregate's), to remember their encodings."""
        dict.update(self, values)
        return self

    def _reached(self, key: str) -> None:
        self._saved.pop(key, None)
        for saving in self._saving:
            saving.pop(key, None)

    def encoded(self, encode: Callable[[Any], Any]) -> dict[str, Any]:
        """Every value as the next snapshot stores it, in order: as a stored snapshot did if it was not reached by
        key since (or never decoded), else `encode(value)`."""
        kept = self._saved
        encoded: dict[str, Any] = dict.fromkeys(dict.keys(self))  # in the map's order, which a load gives back
        encoded.update(kept)
        for key in dict.keys(self) - kept.keys():
            value = dict.__getitem__(self, key)
            encoded[key] = value if type(value) is msgspec.Raw else encode(value)
        return encoded

    def saving(self, stored: dict[str, Any]) -> dict[str, Any]:
        """Start remembering `stored`, a snapshot's encoding of every value, being stored now; `saved` says
        whether it was stored. Values reached by key meanwhile are left out."""
        token = dict(stored)
        self._saving.append(token)
        return token

    def saved(self, token: dict[str, Any], *, stored: bool) -> None:
        self._saving.remove(token)
        if stored:
            self._saved.update(token)

    def _decoded(self, key: str, value: Any) -> Any:
        if type(value) is msgspec.Raw:
            self._forget(value)
            value = self._decode(value)
            dict.__setitem__(self, key, value)
            self._decoded_keys.append(key)
        return value

    def _forget(self, raw: msgspec.Raw) -> None:
        self._encoded -= 1
        self._encoded_bytes -= len(raw)

    def decode_all(self) -> None:
        if not self._encoded:
            return
        if self._decode_many is None:
            for key, value in list(dict.items(self)):
                self._decoded(key, value)
            return
        encoded = [(k, v) for k, v in dict.items(self) if type(v) is msgspec.Raw]
        for (key, raw), value in zip(encoded, self._decode_many([v for _, v in encoded]), strict=True):
            self._forget(raw)
            dict.__setitem__(self, key, value)
            self._decoded_keys.append(key)

    def measure(self, size: Callable[[Any], int]) -> int:
        """The bytes of the values still encoded, plus `size` of each decoded or set since the load, without
        decoding any: O(values decoded), not O(all)."""
        if not self._encoded:
            return sum(size(v) for v in dict.values(self))
        decoded = {k for k in self._decoded_keys if k in self}
        return self._encoded_bytes + sum(size(dict.__getitem__(self, k)) for k in decoded)

    def __getitem__(self, key: str) -> Any:
        value = self._decoded(key, dict.__getitem__(self, key))
        self._reached(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = dict.get(self, key, _MISSING)
        if value is _MISSING:
            return default
        self._reached(key)
        return self._decoded(key, value)

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        value = self[key] if key in self or default is _MISSING else default
        dict.pop(self, key, None)
        return value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        self[key] = default
        return default

    def popitem(self) -> tuple[str, Any]:
        key, value = dict.popitem(self)
        self._reached(key)
        if type(value) is msgspec.Raw:
            self._forget(value)
            value = self._decode(value)
        return key, value

    def __setitem__(self, key: str, value: Any) -> None:
        self._reached(key)
        old = dict.get(self, key)
        if type(old) is msgspec.Raw:
            self._forget(old)
        dict.__setitem__(self, key, value)
        self._decoded_keys.append(key)

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def update(self, *others: Any, **more: Any) -> None:
        for key, value in dict(*others, **more).items():
            self[key] = value

    def __ior__(self, other: Any) -> LazyMap:  # type: ignore[override]
        self.update(other)
        return self

    def clear(self) -> None:
        dict.clear(self)
        self._saved.clear()
        for saving in self._saving:
            saving.clear()
        self._encoded = self._encoded_bytes = 0

    def values(self) -> ValuesView[Any]:  # type: ignore[override]
        self.decode_all()
        return dict.values(self)

    def items(self) -> ItemsView[str, Any]:  # type: ignore[override]
        self.decode_all()
        return dict.items(self)

    def __iter__(self) -> Iterator[str]:
        # Overridden so that dict(m), {**m} and update(m) go through keys() and __getitem__, not the raw values.
        return iter(list(dict.keys(self)))

    def copy(self) -> dict[str, Any]:
        return dict(self.items())

    def __or__(self, other: Any) -> dict[str, Any]:  # type: ignore[override]
        return {**self.copy(), **other}

    def __eq__(self, other: object) -> bool:
        self.decode_all()
        if isinstance(other, LazyMap):
            other.decode_all()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self.copy())

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (self.copy(),)
