"""InMemoryResponseCache: the ResponseCache port in a dict, for unit tests (passes the same contract as LMDB's)."""

from __future__ import annotations

from writeit.application.ports import RecordedResponse


class InMemoryResponseCache:
    def __init__(self) -> None:
        self.responses: dict[str, RecordedResponse] = {}

    async def get(self, key: str) -> RecordedResponse | None:
        return self.responses.get(key)

    async def put(self, key: str, response: RecordedResponse) -> None:
        self.responses[key] = response
