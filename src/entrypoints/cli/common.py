"""What every command shares: opening the container, one way to report errors, JSON output."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from writeit.application.errors import ApplicationError
from writeit.domain.errors import DomainError
from writeit.entrypoints.cli.messages import ClickException, print_error

if TYPE_CHECKING:
    from writeit.entrypoints.container import Container

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger("writeit.cli")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error on stderr (one line per problem, made safe to print); return the Exit."""
    print_error(message)
    return typer.Exit(code)


def handled(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn every failure into a one-line (per problem) message and a non-zero exit, never a traceback.

    Usage errors exit 2, the user's and the system's (a file that cannot be written) 1, a reader that went
    away (`| head`) quietly 141 as a program killed by SIGPIPE; only a bug is "unexpected" (70)."""

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
        except ClickException as exc:  # a usage error found by the command itself (a bad --format, say)
            raise fail(exc.format_message(), getattr(exc, "exit_code", 2)) from None  # type: ignore[attr-defined]
        except BrokenPipeError:
            raise reader_gone() from None
        except OSError as exc:
            raise fail(os_error(exc)) from None
        except Exception as exc:
            where = _log_unexpected(exc)
            raise fail(f"unexpected failure: {type(exc).__name__}: {exc} (details in {where})", 70) from None

    return wrapper


def os_error(exc: OSError) -> str:
    """`path: reason` for a file the system refused (e.g. `/proc/x: no such file or directory`)."""
    reason = (exc.strerror or str(exc)).lower()
    where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else exc.filename
    return f"{where}: {reason}" if where else reason


def reader_gone() -> typer.Exit:
    """The reader of stdout closed it: stop quietly, and keep Python's final flush from complaining."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return typer.Exit(141)


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


def run_async(main: Callable[[Container], Coroutine[Any, Any, T]], options: Mapping[str, Any] | None = None) -> T:
    """Run one command's coroutine with the container's resources open for its duration; `options` are the
    command's settings (`--budget`, `--replay`...), given to the container as configuration."""

    async def runner() -> T:
        async with open_container(options) as container:
            return await main(container)

    return asyncio.run(runner())


@contextlib.asynccontextmanager
async def open_container(options: Mapping[str, Any] | None = None) -> AsyncIterator[Container]:
    from writeit.entrypoints.container import opened

    async with opened(options=options) as container:
        # At debug: a command that writes nothing else to the log (a listing) then never loads structlog.
        log.debug("command", extra={"argv": sys.argv[1:2], "workspace": container.settings().workspace})
        yield container


def to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_plain(value), ensure_ascii=False, indent=2, default=str) + "\n")


def print_records(records: list[Any], batch: int = 500) -> None:
    """A list of flat dataclasses of plain fields, printed as print_json prints it (the same bytes), encoded by
    msgspec a batch at a time: 10,000 pipeline summaries took 1.6 s through dataclasses.asdict and json, and
    held three copies of themselves at once."""
    import msgspec

    out = sys.stdout.buffer
    out.write(b"[" if records else b"[]\n")
    for start in range(0, len(records), batch):
        listed = msgspec.json.format(msgspec.json.encode(records[start : start + batch]), indent=2)
        out.write((b"," if start else b"") + listed[1:-2] + (b"\n]\n" if start + batch >= len(records) else b""))
    out.flush()
