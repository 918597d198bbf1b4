"""What every command shares: opening the container, one way to report errors, JSON output."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from writeit.application.errors import ApplicationError
from writeit.domain.errors import DomainError

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger("writeit.cli")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error on stderr; return the Exit to raise."""
    for line in message.splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(code)


def handled(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn every failure into a one-line (per problem) message and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except (ApplicationError, DomainError) as exc:
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:
            where = _log_unexpected(exc)
            raise fail(f"unexpected failure: {type(exc).__name__}: {exc} (details in {where})", 70) from None

    return wrapper


def _log_unexpected(exc: Exception) -> str:
    """Write the traceback to the log file (never the screen); return where it went."""
    from writeit.entrypoints import config_files
    from writeit.entrypoints.logs import configure_logging

    try:
        with contextlib.contextmanager(configure_logging)(config_files.home()) as path:
            log.error("unexpected error", exc_info=exc)
    except Exception:  # the log itself failing must not put a traceback on the screen
        return "nowhere: the log could not be written"
    return str(path)


def run_async(main: Callable[[Container], Coroutine[Any, Any, T]]) -> T:
    """Run one command's coroutine with the container's resources open for its duration."""

    async def runner() -> T:
        async with open_container() as container:
            return await main(container)

    return asyncio.run(runner())


@contextlib.asynccontextmanager
async def open_container() -> AsyncIterator[Container]:
    import structlog

    from writeit.entrypoints.container import Container

    container = Container()
    result = container.init_resources()
    if isinstance(result, Awaitable):
        await result
    structlog.get_logger("writeit.cli").info("command", argv=sys.argv[1:2], workspace=container.settings().workspace)
    try:
        yield container
    finally:
        await container.pipelines().wait_idle()
        closing = container.shutdown_resources()
        if isinstance(closing, Awaitable):
            await closing


def to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_plain(value), ensure_ascii=False, indent=2, default=str) + "\n")
