"""Translating `llm` and provider failures into port errors: the model named, transient ones marked, keys hidden."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from writeit.application.errors import ModelError, ModelKeyMissingError, ModelNotFoundError

# Class names rather than imports: provider SDKs (openai, anthropic, httpx) are optional plugin dependencies.
_TRANSIENT_TYPES = frozenset(
    {
        "RateLimitError",
        "APIConnectionError",  # openai's, which also covers a connection dropped mid-stream
        "APITimeoutError",
        "InternalServerError",
        "TransportError",  # httpx's (and httpx2's), which covers its timeouts and network errors
        "TimeoutError",
        "ConnectionError",
    }
)
_KEY_LIKE = re.compile(r"\b(?:sk|pk|rk|gsk|xai|hf|key|api)[-_][\w\-*.]{8,}|[\w\-]{32,}", re.IGNORECASE)
_MAX_MESSAGE = 200

Translate = Callable[[Exception], ModelError]


def translate_error(model_id: str, exc: Exception, secret: str | None = None) -> ModelError:
    """The port error for a failure in `llm` or a provider: it names the model, never shows a key."""
    if isinstance(exc, ModelError):
        return exc
    import llm  # here, not at the top: the container imports this module before any model is needed

    if isinstance(exc, llm.UnknownModelError):
        return ModelNotFoundError(model_id)
    if isinstance(exc, llm.NeedsKeyException):
        return ModelKeyMissingError(model_id)
    transient = is_transient(exc)
    wait = retry_after(exc) if transient else None
    return ModelError(model_id, describe(exc, secret), transient=transient, retry_after=wait)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the provider asked to wait before retrying, from the HTTP response an SDK error carries (OpenAI's
    `retry-after-ms`, or the standard `Retry-After` in seconds or as a date); None when it did not say."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None or not hasattr(headers, "get"):
        return None
    try:
        if (millis := headers.get("retry-after-ms")) is not None:
            return max(float(millis) / 1000, 0.0)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            import email.utils  # only for a date-valued Retry-After, which is rare

            when = email.utils.parsedate_to_datetime(value)
            return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError, OverflowError):
        return None  # a header we cannot read is as good as none: our own backoff applies


def is_transient(exc: BaseException) -> bool:
    """Whether retrying may help: rate limits, server errors, timeouts and dropped connections."""
    if any(cls.__name__ in _TRANSIENT_TYPES for cls in type(exc).__mro__):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in (408, 429) or status >= 500)


def describe(exc: Exception, secret: str | None = None) -> str:
    """One line naming the failure, with any key (the model's own, or anything shaped like one) redacted."""
    pydantic = sys.modules.get("pydantic")  # llm validates options with it; not imported here for an idle TUI
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return f"invalid options ({problems})"
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    if secret:
        text = text.replace(secret, "[key]")
    # Redact before truncating, so that no fragment of a key survives the cut.
    return _KEY_LIKE.sub("[key]", text)[:_MAX_MESSAGE]


def translator_for(model_id: str, model: Any) -> Translate:
    """A translation that also hides the model's own key, when one is readable."""

    def translate(exc: Exception) -> ModelError:
        try:
            key = model.get_key()
        except Exception:  # no key to hide, or none readable: the pattern-based redaction still applies
            key = None
        return translate_error(model_id, exc, key if isinstance(key, str) else None)

    return translate


@contextmanager
def translated(translate: Translate) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        raise translate(exc) from exc
