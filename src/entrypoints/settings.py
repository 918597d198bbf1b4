"""Settings: defaults < WRITEIT_HOME/config.yaml < the workspace's config.yaml < WRITEIT_* variables.

Validated by msgspec (already the store's codec) rather than pydantic-settings: the TUI builds its container
at start, and pydantic-settings alone cost it 8 MB of its 60 MB budget (benchmarks/startup.py measures the
real process). Every problem is reported with the value and where it came from: `file:line` for a config
file, the variable for the environment.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import msgspec

from writeit.application.cache import CacheMode
from writeit.application.errors import ApplicationError
from writeit.application.workspaces import NAME_PATTERN, WorkspaceError, check_name
from writeit.entrypoints import config_files

ENV_PREFIX = "WRITEIT_"
STORE_URL_PATTERN = r"^postgres(ql)?://"
# Variables named otherwise than WRITEIT_<SETTING> (the store's is a URL, and named so by convention).
_VARIABLES = {"store": "WRITEIT_STORE_URL"}
DAY = 86_400.0
# Not settable in a config file: where the files are, and which workspace's file to read.
_NOT_IN_FILES = {
    "home": "home is not set in a config file: set WRITEIT_HOME",
    "workspace": "the workspace is chosen with `writeit workspace use`, --workspace or WRITEIT_WORKSPACE",
}


class SettingsError(ApplicationError):
    """One or more settings have values WriteIt cannot use; each line says which, where it came from, and why."""


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    home: Path
    workspace: Annotated[str, msgspec.Meta(pattern=NAME_PATTERN)] = "default"
    default_model: str | None = None
    concurrency: Annotated[int, msgspec.Meta(ge=1, le=64)] = 8
    retry_attempts: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    map_size: Annotated[int, msgspec.Meta(ge=1 << 20)] = 1 << 30
    log_level: Annotated[str, msgspec.Meta(pattern="(?i)^(debug|info|warning|error)$")] = "INFO"
    cache: CacheMode = CacheMode.RECORD  # off | record | on (reuse recorded answers) | replay (only those)
    budget_usd: Annotated[float, msgspec.Meta(ge=0, le=1e6)] | None = None  # the most one pipeline may spend
    output_tokens_guess: Annotated[int, msgspec.Meta(ge=1)] = 800  # per candidate, for the estimate before a round
    model_timeout: Annotated[float, msgspec.Meta(gt=0, le=DAY)] = 120.0  # seconds without output: attempt ends
    retry_max_seconds: Annotated[float, msgspec.Meta(gt=0, le=DAY)] = 60.0  # no retry starts after this long
    local_instances: Annotated[int, msgspec.Meta(ge=1, le=16)] = 2  # calls of one local model at once, each a copy
    log_to_llm: bool = False  # also write every completed candidate to llm's logs database (`llm logs`)
    # Unset: the workspace's LMDB store. `postgresql://user:pass@host/db`: a schema per workspace on that server.
    store: Annotated[str, msgspec.Meta(pattern=STORE_URL_PATTERN)] | None = None
    lease_seconds: Annotated[float, msgspec.Meta(ge=0.5, le=DAY)] = 30.0  # PostgreSQL: a dead worker's lease lapses
    fragments_private_urls: bool = False  # the API may fetch fragment URLs on loopback or private networks

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return cls.__struct_fields__

    @classmethod
    def load(cls, **explicit: Any) -> Settings:
        """The settings in force: every source read, merged by precedence, validated; explicit values win."""
        base = config_files.home()
        values: dict[str, Any] = {"home": base}
        origins: dict[str, str] = {}
        problems: list[str] = []
        global_path = config_files.global_config(base)
        global_data, global_lines = config_files.read_located(global_path)
        if explicit.get("workspace"):
            workspace, origins["workspace"] = str(explicit["workspace"]), "the command line"
        else:
            workspace, origins["workspace"] = config_files.chosen_workspace(base)
        values["workspace"] = workspace
        sources = [(global_path, global_data, global_lines)]
        if _is_workspace_name(workspace):  # a bad name never becomes a path
            workspace_path = config_files.workspace_config(workspace, base)
            sources.append((workspace_path, *config_files.read_located(workspace_path)))
        for path, data, lines in sources:
            for key, value in data.items():
                where = f"{path}:{lines[key]}" if key in lines else str(path)
                if key == "workspace" and path == global_path:
                    continue  # the active workspace, read above
                if key in _NOT_IN_FILES:
                    problems.append(f"{where}: {_NOT_IN_FILES[key]}")
                elif key not in cls.names():
                    problems.append(f"{where}: {unknown_setting(str(key))}")
                else:
                    values[key], origins[key] = value, where
        variables = {n.upper(): (n, v) for n, v in os.environ.items() if n.upper().startswith(ENV_PREFIX)}
        for key in cls.names():
            variable = _VARIABLES.get(key, ENV_PREFIX + key.upper())
            name, raw = variables.get(variable, ("", ""))  # any letter case, as shells allow
            if key not in _NOT_IN_FILES and raw.strip():  # an empty variable counts as unset
                shown = name if key == "store" else f"{name}={raw.strip()!r}"  # a URL may hold a password
                values[key], origins[key] = raw.strip(), shown
        for key, value in explicit.items():
            values[key], origins[key] = value, "the command line"
        return cls._validated(values, origins, problems)

    @classmethod
    def parse(cls, key: str, raw: str, origin: str) -> Any:
        """`raw` (text from the command line) as the value setting `key` takes, in its plain form (for YAML).

        Read as that setting's type first, then as YAML (`.5`, `1_000`, `+5`); the first reading's error is
        the one reported."""
        text = raw.strip()
        try:
            parsed = cls._validated({"home": "/", key: text}, {key: origin}, [])
        except SettingsError as first:
            as_yaml = config_files.parse_scalar(text)
            if as_yaml is None or as_yaml == text:
                raise
            try:
                parsed = cls._validated({"home": "/", key: as_yaml}, {key: origin}, [])
            except SettingsError:
                raise first from None
        return msgspec.to_builtins(getattr(parsed, key), enc_hook=str)

    def replaced(self, *, origin: str = "the command line", **changes: Any) -> Settings:
        """These settings with some values changed (a run's --budget, --concurrency...), validated again."""
        return self._validated({**self.as_dict(), **changes}, dict.fromkeys(changes, origin), [])

    def as_dict(self) -> dict[str, Any]:
        """Every setting as plain JSON-able values (paths and modes as strings)."""
        return dict(msgspec.to_builtins(self, enc_hook=str))

    @classmethod
    def _validated(cls, values: dict[str, Any], origins: dict[str, str], problems: list[str]) -> Settings:
        cache = values.get("cache")
        if isinstance(cache, bool):  # YAML reads a bare on/off as a boolean
            values["cache"] = "on" if cache else "off"
        elif isinstance(cache, str):
            values["cache"] = cache.strip().lower()
        problems = [*problems, *_problems(cls, dict(values), origins)]
        if problems:
            raise SettingsError("\n".join(problems))
        return msgspec.convert(values, cls, strict=False, dec_hook=_decode)

    @property
    def workspace_dir(self) -> Path:
        return self.home / "workspaces" / self.workspace

    @property
    def store_path(self) -> Path:
        return self.workspace_dir / "store"

    @property
    def template_dirs(self) -> list[tuple[str, Path]]:
        return [("workspace", self.workspace_dir / "templates"), ("global", self.home / "templates")]

    @property
    def price_files(self) -> list[Path]:
        """The user's price tables, extending the packaged one (the workspace's wins)."""
        return [self.home / "prices.yaml", self.workspace_dir / "prices.yaml"]

    @property
    def recipe_files(self) -> list[tuple[str, Path]]:
        """Merge recipes: the workspace's, then the global ones (then the built-in ones)."""
        return [("workspace", self.workspace_dir / "recipes.yaml"), ("global", self.home / "recipes.yaml")]

    @property
    def style_dirs(self) -> list[Path]:
        return [self.workspace_dir / "styles", self.home / "styles"]


def redacted(value: Any) -> Any:
    """`value` with the password of a URL in it replaced by ***: for anything shown or logged."""
    if not isinstance(value, str):
        return value
    return _PASSWORD.sub(r"\1***\2", value)


_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/?#@]*:)[^@/?#]*(@)", re.IGNORECASE)


def unknown_setting(key: str) -> str:
    """A key no setting has (a typo, most often): say so, with the closest name, rather than ignore it."""
    close = difflib.get_close_matches(key, [name for name in Settings.names() if name != "home"], n=1)
    return f"unknown setting '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")


def _is_workspace_name(workspace: str) -> bool:
    try:
        check_name(workspace)
    except WorkspaceError:
        return False
    return True


def _problems(cls: type[Settings], values: dict[str, Any], origins: dict[str, str]) -> Iterator[str]:
    """Every invalid value, one line each: msgspec stops at the first, so drop it and validate again."""
    while True:
        try:
            msgspec.convert(values, cls, strict=False, dec_hook=_decode)
        except msgspec.ValidationError as exc:
            message, _, where = str(exc).partition(" - at `$.")
            key = where.rstrip("`").split(".")[0].split("[")[0]
            if key not in values:  # not a field's value: report it whole rather than loop
                yield str(exc)
                return
            origin = origins.get(key, "setting")
            said = f"={values[key]!r}" in origin  # a variable's origin already shows its value
            yield f"{origin}: {key}: {_explain(key, values[key], message, said)}"
            del values[key]
            if key in ("home", "workspace"):
                return  # everything else depends on these
        else:
            return


def _explain(key: str, value: Any, message: str, said: bool) -> str:
    if key == "workspace":
        try:
            check_name(str(value))
        except WorkspaceError as exc:
            return str(exc)
    if key == "log_level":
        return f"{value!r} is not one of debug, info, warning, error"
    if key == "cache":
        return f"{value!r} is not one of {', '.join(mode.value for mode in CacheMode)}"
    if key == "store":  # shown only when it is a URL, whose password can be told apart and hidden
        shown = f"{redacted(value)!r} is" if "://" in str(value) else "it is"
        return f"{shown} not a postgresql://user:password@host:port/database URL"
    expected = message.split(", got ")[0].replace("`", "")  # "Expected `int`, got `str`": the value says more
    return f"{expected[0].lower()}{expected[1:]}" + ("" if said else f" (got {value!r})")


def _decode(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str | os.PathLike):
        return Path(value).expanduser()
    raise NotImplementedError
