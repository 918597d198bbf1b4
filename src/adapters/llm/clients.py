"""The SDK clients behind `llm`'s provider models: no silent retries, and one async client per event loop.

openai's client retries 429s, 5xx and dropped connections twice by itself, silently: told not to, the
application's retries (recorded as events) are the only ones. And `llm` builds a new client for every prompt,
which costs a TLS context (~20 ms of CPU on the event loop) and a new connection each time: sharing one client
per loop lets candidates and steps reuse connections, so that fanning out does not queue on that CPU.
"""

from __future__ import annotations

import asyncio
from typing import Any


def adapt_clients(model: Any) -> Any:
    """`model`, with its `get_client` (when it has one, as llm's OpenAI-compatible models do) adapted in place."""
    get_client = getattr(model, "get_client", None)
    if not callable(get_client):
        return model
    shared: dict[asyncio.AbstractEventLoop, dict[tuple[Any, ...], Any]] = {}

    def get_adapted_client(*args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("async_"):
            return _without_retries(get_client(*args, **kwargs))
        loop = asyncio.get_running_loop()
        for closed in [other for other in shared if other.is_closed()]:
            del shared[closed]
        clients = shared.setdefault(loop, {})
        key = (*args, *sorted(kwargs.items()))  # includes the API key: a new key gets a new client
        if key not in clients:
            clients[key] = _without_retries(get_client(*args, **kwargs))
        return clients[key]

    # The instance is ours alone (llm builds models afresh on each lookup, and the adapter keeps the one it found).
    model.get_client = get_adapted_client
    return model


def _without_retries(client: Any) -> Any:
    with_options = getattr(client, "with_options", None)
    return with_options(max_retries=0) if callable(with_options) else client
