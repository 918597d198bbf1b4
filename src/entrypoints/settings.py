"""Settings: defaults, overridden by WRITEIT_* environment variables; where each workspace keeps its files."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

from writeit.application.cache import CacheMode
from writeit.entrypoints import config_files

WORKSPACE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WRITEIT_", extra="ignore")

    home: Path = Field(default_factory=config_files.home)
    workspace: str = Field(default_factory=config_files.active_workspace)
    default_model: str | None = None
    concurrency: int = Field(default=8, ge=1, le=64)
    retry_attempts: int = Field(default=3, ge=1, le=10)
    map_size: int = Field(default=1 << 30, ge=1 << 20)
    log_level: str = Field(default="INFO", pattern="(?i)^(debug|info|warning|error)$")
    cache: CacheMode = CacheMode.RECORD  # off | record | on (reuse recorded answers) | replay (only those)
    budget_usd: float | None = Field(default=None, ge=0)  # the most one pipeline may spend, in all
    output_tokens_guess: int = Field(default=800, ge=1)  # per candidate, for the estimate before a round
    model_timeout: float = Field(default=120.0, gt=0)  # seconds without output before an attempt is abandoned
    retry_max_seconds: float = Field(default=60.0, gt=0)  # no retry starts after this long
    local_instances: int = Field(default=2, ge=1, le=16)  # calls of one local (sync) model at once, each its own copy

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence, highest first: explicit values, WRITEIT_* variables, workspace config, global config."""
        base = config_files.home()
        workspace = config_files.active_workspace(base)
        files = [config_files.workspace_config(workspace, base), config_files.global_config(base)]
        for path in files:
            config_files.read(path)  # a broken file fails here with its line, not deep inside pydantic
        yaml_sources = [YamlConfigSettingsSource(settings_cls, yaml_file=path) for path in files]
        return (init_settings, env_settings, *yaml_sources)

    @field_validator("workspace")
    @classmethod
    def _workspace_name(cls, value: str) -> str:
        if not WORKSPACE_NAME.match(value):
            raise ValueError(f"'{value}' is not a workspace name (lowercase letters, digits, '-', '_'; up to 64)")
        return value

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
