"""Settings: read from CARESIGNAL_* variables, each one documented in docs/settings.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from caresignal.clock import FixedClock, SystemClock
from caresignal.settings import DEFAULT_DATA_DIR, Settings

DOCS = Path(__file__).parent.parent / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`CARESIGNAL_{name.upper()}`" in text, f"docs/settings.md lacks {name}"


def test_data_dir_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARESIGNAL_DATA_DIR", raising=False)
    assert Settings().data_dir == DEFAULT_DATA_DIR
    monkeypatch.setenv("CARESIGNAL_DATA_DIR", "/srv/caresignal")
    assert Settings().data_dir == Path("/srv/caresignal")


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="data_directory"):
        Settings(data_directory="x")  # type: ignore[call-arg]


def test_fixed_clock_needs_a_timezone_and_reports_england_dates() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 1, 1))
    evening = FixedClock(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))  # 00:30 BST on 2 July
    assert evening.today().isoformat() == "2026-07-02"
    winter = FixedClock(datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=0))))
    assert winter.today().isoformat() == "2026-01-01"


def test_system_clock_is_timezone_aware() -> None:
    assert SystemClock().now().tzinfo is not None


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARESIGNAL_DATABASE_URL", raising=False)
    assert Settings().database_url is None
    monkeypatch.setenv("CARESIGNAL_DATABASE_URL", "postgresql://cs@db/caresignal")
    assert Settings().database_url == "postgresql://cs@db/caresignal"
