"""Settings: defaults < WRITEIT_HOME/config.yaml < the workspace's config.yaml < WRITEIT_* variables.

Validated by msgspec (already the store's codec) rather than pydantic-settings: the TUI builds its container
at start, and pydantic + pydantic-settings cost it ~12 MB of its 60 MB budget (benchmarks/tui_frames.py).
Every problem is reported with where the value came from: `file:line` for a config file, the variable's name
for the environment.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import msgspec

from writeit.application.cache import CacheMode
from writeit.application.errors import ApplicationError
from writeit.entrypoints import config_files

WORKSPACE_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$"
ENV_PREFIX = "WRITEIT_"


class SettingsError(ApplicationError):
    """One or more settings have values WriteIt cannot use; each line says which, where it came from, and why."""


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    home: Path
    workspace: Annotated[str, msgspec.Meta(pattern=WORKSPACE_PATTERN)] = "default"
    default_model: str | None = None
    concurrency: Annotated[int, msgspec.Meta(ge=1, le=64)] = 8
    retry_attempts: Annotated[int, msgspec.Meta(ge=1, le=10)] = 3
    map_size: Annotated[int, msgspec.Meta(ge=1 << 20)] = 1 << 30
    log_level: Annotated[str, msgspec.Meta(pattern="(?i)^(debug|info|warning|error)$")] = "INFO"
    cache: CacheMode = CacheMode.RECORD  # off | record | on (reuse recorded answers) | replay (only those)
    budget_usd: Annotated[float, msgspec.Meta(ge=0)] | None = None  # the most one pipeline may spend, in all
    output_tokens_guess: Annotated[int, msgspec.Meta(ge=1)] = 800  # per candidate, for the estimate before a round
    model_timeout: Annotated[float, msgspec.Meta(gt=0)] = 120.0  # seconds without output before an attempt ends
    retry_max_seconds: Annotated[float, msgspec.Meta(gt=0)] = 60.0  # no retry starts after this long
    local_instances: Annotated[int, msgspec.Meta(ge=1, le=16)] = 2  # calls of one local model at once, each a copy

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return cls.__struct_fields__

    @classmethod
    def load(cls, **explicit: Any) -> Settings:
        """The settings in force: every source read, merged by precedence, validated; explicit values win."""
        base = config_files.home()
        workspace = str(explicit.get("workspace") or config_files.active_workspace(base))
        values: dict[str, Any] = {"home": base, "workspace": workspace}
        origins = {"workspace": "WRITEIT_WORKSPACE" if os.environ.get("WRITEIT_WORKSPACE") else "the active workspace"}
        files = [config_files.global_config(base)]
        if _ok(workspace):
            files.append(config_files.workspace_config(workspace, base))  # a bad name never becomes a path
        unknown: list[str] = []
        for path in files:
            data, lines = config_files.read_located(path)
            for key, value in data.items():
                where = f"{path}:{lines[key]}" if key in lines else str(path)
                if key not in cls.names() or key == "home":
                    unknown.append(f"{where}: {_unknown(str(key), cls.names())}")
                elif key != "workspace":  # the global file's `workspace` is the active one, read above
                    values[key] = value
                    origins[key] = where
        for key in cls.names():
            if key in ("home", "workspace"):
                continue
            raw = os.environ.get(ENV_PREFIX + key.upper(), "")
            if raw != "":  # an empty variable counts as unset
                values[key] = raw
                origins[key] = f"{ENV_PREFIX}{key.upper()}={raw!r}"
        for key, value in explicit.items():
            values[key] = value
            origins[key] = "the command line"
        return cls._validated(values, origins, unknown)

    def replaced(self, *, origin: str = "the command line", **changes: Any) -> Settings:
        """These settings with some values changed (a run's --budget, --concurrency...), validated again."""
        values = {**self.as_dict(), **changes}
        return self._validated(values, dict.fromkeys(changes, origin))

    def as_dict(self) -> dict[str, Any]:
        """Every setting as plain JSON-able values (paths and modes as strings)."""
        return {key: value for key, value in msgspec.to_builtins(self, enc_hook=str).items()}

    @classmethod
    def _validated(cls, values: dict[str, Any], origins: dict[str, str], unknown: list[str] | None = None) -> Settings:
        problems = [*(unknown or []), *_problems(cls, dict(values), origins)]
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
    def style_dirs(self) -> list[Path]:
        return [self.workspace_dir / "styles", self.home / "styles"]


def _ok(workspace: str) -> bool:
    try:
        msgspec.convert(workspace, Annotated[str, msgspec.Meta(pattern=WORKSPACE_PATTERN)])
    except msgspec.ValidationError:
        return False
    return True


def _unknown(key: str, names: tuple[str, ...]) -> str:
    """A key no setting has (a typo, most often): say so, with the closest name, rather than ignore it."""
    close = difflib.get_close_matches(key, [name for name in names if name != "home"], n=1)
    return f"unknown setting '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")


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
            yield f"{origins.get(key, 'setting')}: {key}: {_explain(key, message)}"
            del values[key]
            if key in ("home", "workspace"):
                return  # everything else depends on these
        else:
            return


def _explain(key: str, message: str) -> str:
    if key == "workspace":
        return "not a workspace name (lowercase letters, digits, '-', '_'; up to 64)"
    if key == "log_level":
        return "expected one of debug, info, warning, error"
    if key == "cache":
        return f"{message.lower()}; expected one of {', '.join(mode.value for mode in CacheMode)}"
    return (message[0].lower() + message[1:]).replace("`", "")


def _decode(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str | os.PathLike):
        return Path(value).expanduser()
    raise NotImplementedError
