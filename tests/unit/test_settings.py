"""Settings: where each value comes from, and what a writer is told when one is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from writeit.application.cache import CacheMode
from writeit.entrypoints.settings import Settings, SettingsError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_when_nothing_is_configured(isolated_home: Path) -> None:
    settings = Settings.load()

    assert settings.home == isolated_home
    assert settings.workspace == "default"
    assert settings.concurrency == 8
    assert settings.cache is CacheMode.RECORD
    assert settings.store_path == isolated_home / "workspaces" / "default" / "store"


def test_workspace_config_beats_global_config_and_variables_beat_both(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(isolated_home / "config.yaml", "concurrency: 3\nretry_attempts: 5\nmodel_timeout: 9\nworkspace: essays\n")
    write(isolated_home / "workspaces" / "essays" / "config.yaml", "concurrency: 4\nretry_attempts: 6\n")
    monkeypatch.setenv("WRITEIT_CONCURRENCY", "7")

    settings = Settings.load()

    assert settings.workspace == "essays"  # the one `writeit workspace use` recorded
    assert settings.concurrency == 7  # variable
    assert settings.retry_attempts == 6  # workspace file
    assert settings.model_timeout == 9.0  # global file
    assert Settings.load(concurrency=2).concurrency == 2  # explicit values beat every source


def test_variables_are_converted_to_each_setting_type_and_empty_ones_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WRITEIT_BUDGET_USD", "0.25")
    monkeypatch.setenv("WRITEIT_CACHE", "replay")
    monkeypatch.setenv("WRITEIT_RETRY_ATTEMPTS", "")
    monkeypatch.setenv("writeit_concurrency", " 5 ")  # any letter case, spaces around the value
    monkeypatch.setenv("WRITEIT_API_TOKEN", "not-a-setting")  # other WRITEIT_* variables are not settings

    settings = Settings.load()

    assert settings.budget_usd == 0.25
    assert settings.cache is CacheMode.REPLAY
    assert settings.retry_attempts == 3
    assert settings.concurrency == 5
    assert "not-a-setting" not in str(settings.as_dict())


def test_every_bad_value_is_reported_with_where_it_came_from(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(
        isolated_home / "config.yaml", "# mine\nconcurrency: 0\ncache: sometimes\nconcurency: 3\nhome: /elsewhere\n"
    )
    monkeypatch.setenv("WRITEIT_MODEL_TIMEOUT", "soon")

    with pytest.raises(SettingsError) as raised:
        Settings.load()

    assert sorted(str(raised.value).splitlines()) == sorted([
        f"{config}:2: concurrency: expected int >= 1 (got 0)",
        f"{config}:3: cache: 'sometimes' is not one of off, record, on, replay",
        f"{config}:4: unknown setting 'concurency' (did you mean 'concurrency'?)",
        f"{config}:5: home is not set in a config file: set WRITEIT_HOME",
        "WRITEIT_MODEL_TIMEOUT='soon': model_timeout: expected float",
    ])  # fmt: skip


def test_a_bare_on_or_off_in_yaml_and_any_letter_case_name_a_cache_mode(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(isolated_home / "config.yaml", "cache: off\n")  # YAML 1.1 reads it as the boolean false
    assert Settings.load().cache is CacheMode.OFF
    monkeypatch.setenv("WRITEIT_CACHE", " Replay ")
    assert Settings.load().cache is CacheMode.REPLAY


def test_a_workspace_name_that_is_a_path_is_refused_before_any_file_is_read(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_home / "workspaces").mkdir()
    # Where "../evil" would lead from the workspaces directory: a file that, if read, reports its unknown key.
    write(isolated_home / "evil" / "config.yaml", "planted: yes\n")
    monkeypatch.setenv("WRITEIT_WORKSPACE", "../evil")

    with pytest.raises(SettingsError) as raised:
        Settings.load()

    assert str(raised.value) == (
        "--workspace/WRITEIT_WORKSPACE='../evil': workspace: '../evil' is not a workspace name "
        "(lowercase letters, digits, '-', '_'; up to 64)"
    )


def test_a_replaced_value_is_validated_like_any_other() -> None:
    settings = Settings.load()

    assert settings.replaced(concurrency=2).concurrency == 2
    with pytest.raises(SettingsError, match=r"^--concurrency: concurrency: expected int <= 64 \(got 65\)"):
        settings.replaced(origin="--concurrency", concurrency=65)
    assert settings.concurrency == 8  # unchanged


def test_broken_yaml_names_the_file_and_line(isolated_home: Path) -> None:
    config = write(isolated_home / "config.yaml", "concurrency: 3\ncache: [off\n")

    with pytest.raises(Exception, match=rf"^{config}:3: not valid YAML"):
        Settings.load()
