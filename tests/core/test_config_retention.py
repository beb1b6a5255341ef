"""The [security], [retention] and [outreach] settings: defaults, file and environment, bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter.config import ConfigError, load_settings, write_settings


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(tmp_path / "missing.toml", env={})
    assert (
        s.security.idle_lock_minutes,
        s.security.supervisor_idle_lock_minutes,
        s.security.lock_warning_seconds,
    ) == (10, 5, 60)
    assert (s.retention.phone_days_after_followup, s.retention.backup_days) == (30, 90)
    assert s.outreach.unexported_warning_days == 3


def test_file_and_environment(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text(
        "[security]\nidle_lock_minutes = 15\nlock_warning_seconds = 0\n"
        "[retention]\nphone_days_after_followup = 0\nbackup_days = 30\n"
        "[outreach]\nunexported_warning_days = 7\n",
        encoding="utf-8",
    )
    s = load_settings(f, env={"IKD_COUNTER_SECURITY_SUPERVISOR_IDLE_LOCK_MINUTES": "2"})
    assert (
        s.security.idle_lock_minutes,
        s.security.supervisor_idle_lock_minutes,
        s.security.lock_warning_seconds,
    ) == (15, 2, 0)
    assert (s.retention.phone_days_after_followup, s.retention.backup_days) == (0, 30)
    assert s.outreach.unexported_warning_days == 7
    write_settings(f, {"retention.backup_days": 60})
    assert load_settings(f, env={}).retention.backup_days == 60


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("security.idle_lock_minutes", "0"),
        ("security.idle_lock_minutes", "481"),
        ("security.idle_lock_minutes", "2.5"),
        ("security.idle_lock_minutes", '"ten"'),
        ("security.supervisor_idle_lock_minutes", "-1"),
        ("security.lock_warning_seconds", "601"),
        ("security.lock_warning_seconds", "true"),
        ("retention.phone_days_after_followup", "-1"),
        ("retention.backup_days", "0"),
        ("retention.backup_days", "3651"),
        ("outreach.unexported_warning_days", "366"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, key: str, value: str) -> None:
    section, name = key.split(".")
    f = tmp_path / "bad.toml"
    f.write_text(f"[{section}]\n{name} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_settings(f, env={})
    assert ei.value.key == key and "whole" in str(ei.value)
