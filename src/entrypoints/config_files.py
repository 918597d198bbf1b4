"""The configuration files: WRITEIT_HOME/config.yaml (global) and each workspace's config.yaml.

PyYAML is imported when a file is there to read or write: most commands run with no config file, and a cold
`writeit pipelines list` should not pay its 17 ms import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from writeit.application.errors import ApplicationError


class ConfigFileError(ApplicationError):
    """A configuration file cannot be read or written."""


def home() -> Path:
    return Path(os.environ.get("WRITEIT_HOME") or Path.home() / ".writeit").expanduser()


def global_config(base: Path | None = None) -> Path:
    return (base or home()) / "config.yaml"


def workspace_config(workspace: str, base: Path | None = None) -> Path:
    return (base or home()) / "workspaces" / workspace / "config.yaml"


def active_workspace(base: Path | None = None) -> str:
    """WRITEIT_WORKSPACE (or --workspace), else the one `writeit workspace use` recorded, else "default"."""
    return chosen_workspace(base)[0]


def chosen_workspace(base: Path | None = None) -> tuple[str, str]:
    """The active workspace's name (not yet checked) and where it was chosen, for messages."""
    if variable := os.environ.get("WRITEIT_WORKSPACE", "").strip():
        return variable, f"--workspace/WRITEIT_WORKSPACE={variable!r}"
    path = global_config(base)
    data, lines = read_located(path)
    recorded = data.get("workspace")
    if recorded is not None and str(recorded).strip():
        return str(recorded).strip(), f"{path}:{lines['workspace']}" if "workspace" in lines else str(path)
    return "default", "the default"


def read(path: Path) -> dict[str, Any]:
    """The mapping in a config file ({} when it does not exist); a broken file is an error naming its line."""
    if not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigFileError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"{path}: cannot read ({exc})") from None
    except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep
        raise ConfigFileError(f"{path}: not a config file WriteIt can read ({type(exc).__name__})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    return data


def parse_scalar(text: str) -> Any:
    """`text` read as a YAML scalar (None when it is not one)."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):  # ValueError: a number of more than 4,300 digits
        return None
    return value if isinstance(value, str | int | float | bool) else None


def write(path: Path, key: str, value: Any) -> None:
    """Set one key in a config file, keeping the others; None removes the key."""
    data = read(path)
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    import yaml

    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=True, allow_unicode=True), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash never leaves half a config file


def read_located(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The mapping in a config file, and the line (1-based) each top-level key is on."""
    data = read(path)
    if not data:
        return data, {}
    import yaml

    node = yaml.compose(path.read_text(encoding="utf-8"))
    lines = {
        key.value: key.start_mark.line + 1 for key, _ in getattr(node, "value", []) if isinstance(key, yaml.ScalarNode)
    }
    return data, lines
