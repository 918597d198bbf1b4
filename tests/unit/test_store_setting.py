"""The `store` setting: LMDB unless a postgresql:// URL is given (config.yaml or WRITEIT_STORE_URL), and its
password never in a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from writeit.entrypoints.settings import Settings, SettingsError, redacted


def test_nothing_configured_means_the_workspaces_lmdb_store(isolated_home: Path) -> None:
    assert Settings.load().store is None


def test_the_variable_writeit_store_url_beats_the_config_file(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_home / "config.yaml").write_text("store: postgresql://file@db/one\n")
    assert Settings.load().store == "postgresql://file@db/one"
    monkeypatch.setenv("WRITEIT_STORE_URL", "postgres://env@db:5433/two")
    assert Settings.load().store == "postgres://env@db:5433/two"


@pytest.mark.parametrize("value", ["mysql://ann:hunter2@db/team", "/var/lib/writeit", "ann:hunter2@db"])
def test_a_store_that_is_not_a_postgresql_url_is_refused_naming_the_variable_without_the_password(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WRITEIT_STORE_URL", value)
    with pytest.raises(SettingsError) as caught:
        Settings.load()
    assert str(caught.value).startswith("WRITEIT_STORE_URL: store: ")
    assert "not a postgresql://" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://ann:hunter2@db:5432/team", "postgresql://ann:***@db:5432/team"),
        ("postgresql://ann:p%40ss:w@db/team", "postgresql://ann:***@db/team"),
        ("postgresql://ann@db/team", "postgresql://ann@db/team"),
        ("postgresql://db/team?sslmode=require", "postgresql://db/team?sslmode=require"),
        (None, None),
    ],
)
def test_redacted_hides_only_the_password_of_a_url(url: str | None, shown: str | None) -> None:
    assert redacted(url) == shown
