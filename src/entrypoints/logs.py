"""Logging: structlog JSON lines into WRITEIT_HOME/logs, never on the screen, with secrets redacted."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

# Shapes of provider keys and bearer tokens; the configured API token is added at set-up.
_SECRET_SHAPES = [
    r"sk-[A-Za-z0-9_\-]{8,}",
    r"bearer\s+[A-Za-z0-9._\-~+/=]{8,}",
    r"(api[_-]?key|token|secret)([\"']?\s*[:=]\s*[\"']?)[^\s\"',}]{6,}",
    r"[?&]key=[^&\s\"']{6,}",  # a key in a logged request URL (Gemini's ?key=)
    r"AIza[0-9A-Za-z_\-]{20,}",
]


class Redactor:
    """A structlog processor (and a plain function) that blanks anything shaped like a secret."""

    def __init__(self, literals: list[str]) -> None:
        shapes = [*_SECRET_SHAPES, *(re.escape(s) for s in literals if len(s) >= 6)]
        self._pattern = re.compile("|".join(f"(?:{s})" for s in shapes), re.IGNORECASE)

    def text(self, value: str) -> str:
        return self._pattern.sub("[redacted]", value)

    def __call__(self, _: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in list(event.items()):
            if isinstance(value, str):
                event[key] = self.text(value)
        return event


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A log file that cannot be written (disk full, read-only) loses the record; it never prints a traceback on the
    screen, which the stdlib's handleError would do, and never turns the command's own error into another one."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (the stdlib's name)
        return None

    def handle(self, record: logging.LogRecord) -> bool:
        # structlog is imported at the first record before the handler's lock is taken, never under it: a thread
        # that waits there on a module another thread is importing must hold no lock that thread may need.
        if isinstance(self.formatter, _JsonLines):
            self.formatter.build()
        return super().handle(record)

    def close(self) -> None:
        with contextlib.suppress(OSError):  # flushing what could not be written fails again
            super().close()


class _JsonLines(logging.Formatter):
    """structlog's ProcessorFormatter (JSON lines, secrets redacted), built when the first record is written.

    Importing structlog costs ~120 ms and ~5.5 MB (it imports rich for its console renderer), which a command
    that writes no record (a listing) need not pay. Two threads' first records may both build one; one is kept.
    """

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact
        self._built: logging.Formatter | None = None

    def build(self) -> logging.Formatter:
        if self._built is None:
            self._built = _structlog_formatter(self._redact)
        return self._built

    def format(self, record: logging.LogRecord) -> str:
        return self.build().format(record)


def _structlog_formatter(redact: Redactor) -> logging.Formatter:
    import structlog

    shared: list[Any] = [structlog.stdlib.add_log_level, structlog.processors.TimeStamper(fmt="iso", utc=True)]
    # A structlog logger, should anything ask for one, writes through the same handler.
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    return structlog.stdlib.ProcessorFormatter(
        # stdlib records (the application logs through stdlib) keep their `extra` fields as JSON fields.
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(),
        ],
    )


def configure_logging(home: Path, level: str = "INFO") -> Iterator[Path]:
    """Route stdlib logging to a rotating JSON-lines file; a container Resource. The application and the
    entrypoints log through stdlib (`logging.getLogger`); structlog formats the records."""
    directory = home / "logs"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "writeit.log"
    handler = _QuietFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(_JsonLines(Redactor([os.environ.get("WRITEIT_API_TOKEN", "")])))
    root = logging.getLogger()
    previous = (root.handlers[:], root.level)
    root.handlers = [handler]  # nothing goes to the terminal: the TUI owns the screen
    root.setLevel(level.upper())
    try:
        yield path
    finally:
        handler.close()
        root.handlers, level_before = previous
        root.setLevel(level_before)
