"""Fragments as `llm -f` reads them: llm's own resolver (aliases, paths, URLs, plugins' `prefix:` loaders)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from writeit.adapters.llm.fragment_safety import FIELD, FILE_LIMIT, Address, check_size, is_internal, redacted, refused
from writeit.domain.errors import InputInvalidError, Problem


class LlmFragments:
    """Resolves each reference with `llm.cli.resolve_fragments`, so a reference means what it means to `llm -f`.

    A URL is fetched by fragment_fetch, as llm would but bounded and, for a server (`local_paths=False`), with each
    hop refused whose address `internal` calls internal (loopback, link-local, private); `allow_private_urls` lets a
    server fetch those too. `internal` is for tests, which have only loopback addresses to serve pages from."""

    def __init__(self, *, allow_private_urls: bool = False, internal: Callable[[Address], bool] = is_internal) -> None:
        self._allow_private_urls = allow_private_urls
        self._internal = internal

    def resolve(self, references: Sequence[str], *, local_paths: bool = True) -> list[dict[str, str]]:
        found: list[dict[str, str]] = []
        problems: list[Problem] = []
        total = 0
        with _logs_db() as db:
            for ref in references:
                try:
                    _check(ref, local_paths)
                    for source, content in self._read(db, ref, local_paths):
                        total = check_size(ref, content, total)
                        found.append({"source": redacted(source), "content": content})
                except InputInvalidError as exc:
                    problems.extend(exc.problems)
                except UnicodeDecodeError:
                    problems.append(Problem(f"'{redacted(ref)}': is not UTF-8 text", field=FIELD))
                except Exception as exc:  # whatever a loader or the network raised: the reference cannot be used
                    problems.append(Problem(_message(ref, exc), field=FIELD))
        if problems:
            raise InputInvalidError(problems)
        return found

    def _read(self, db: Any, ref: str, local_paths: bool) -> list[tuple[str, str]]:
        """Each (source, text) `ref` names: a URL fetched here, anything else by llm's resolver."""
        from llm.cli import resolve_fragments

        if ref.startswith(("http://", "https://")):
            from writeit.adapters.llm.fragment_fetch import fetch_text  # httpx: ~7 MB, loaded when a URL is fetched

            checked = not local_paths and not self._allow_private_urls
            return [(ref, fetch_text(ref, internal=self._internal if checked else None))]
        # resolve_fragments refuses attachments itself (allow_attachments defaults to False).
        return [(str(getattr(f, "source", "") or ref), str(f)) for f in resolve_fragments(db, [ref])]


def _check(ref: str, local_paths: bool) -> None:
    """What llm would read without asking: standard input (the terminal or the server's), a path, a huge file."""
    from llm.utils import has_plugin_prefix

    is_url = ref.startswith(("http://", "https://"))
    if ref.strip() in ("", "-"):
        raise refused(ref, "names no fragment (standard input is not read as a fragment; use -i NAME=@-)")
    path = Path(ref).expanduser()
    is_path = not is_url and (path.exists() or not has_plugin_prefix(ref))
    if is_path and not local_paths:
        raise refused(ref, "a path is read on the server: only URLs and prefix: loaders are taken here")
    if is_path and path.exists() and not path.is_file():  # a folder, or a device llm would read without end
        raise refused(ref, "is not a file (a fragment is one file; -i NAME=@folder/ reads a folder)")
    if is_path and path.is_file() and path.stat().st_size > FILE_LIMIT:
        raise refused(ref, f"is over {FILE_LIMIT} bytes, the most a fragment file may be")
    if is_path and path.is_file():
        with path.open("rb") as handle:
            if b"\x00" in handle.read(8192):
                raise refused(ref, "is not text (it holds binary data)")


def _message(ref: str, exc: Exception) -> str:
    text = (str(exc) or type(exc).__name__).replace(ref, redacted(ref))
    return text if redacted(ref) in text else f"'{redacted(ref)}': {text}"


@contextmanager
def _logs_db() -> Iterator[Any]:
    """llm's logs database when there is one (fragment aliases live there), else an empty one in memory."""
    import sqlite_utils
    from llm.cli import logs_db_path
    from llm.migrations import migrate

    path = logs_db_path()  # type: ignore[no-untyped-call]
    exists = path.exists()
    db = sqlite_utils.Database(path) if exists else sqlite_utils.Database(memory=True)
    try:
        if not exists:
            migrate(db)  # type: ignore[no-untyped-call]
        yield db
    finally:
        db.close()
