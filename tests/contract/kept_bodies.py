"""Format 6 snapshots without a store: the candidates' bodies kept in a dict, for tests of the codec itself."""

from __future__ import annotations

from collections.abc import Sequence

from writeit.adapters.lmdb import snapshots
from writeit.domain.pipeline import Pipeline


class KeptBodies:
    """The Bodies a snapshot names, in a dict; `encode` keeps those a snapshot adds, as a store's save does."""

    def __init__(self) -> None:
        self.kept: dict[bytes, bytes] = {}

    def read(self, digests: Sequence[bytes]) -> list[bytes]:
        return [self.kept[d] for d in digests]

    def encode(self, p: Pipeline) -> bytes:
        encoded = snapshots.encode(p, self)
        for digest, body in encoded.bodies.items():
            self.kept.setdefault(digest, body)
        return encoded.value

    def decode(self, value: bytes) -> Pipeline | None:
        return snapshots.decode(value, self)

    def round_trip(self, p: Pipeline) -> Pipeline:
        restored = self.decode(self.encode(p))
        assert restored is not None
        return restored
