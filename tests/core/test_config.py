"""Configuration: defaults < TOML file < environment < flags; invalid files name file and key."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from counter.config import ConfigError, load_settings, write_settings


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(tmp_path / "missing.toml", env={})
    assert s.lang == "id"
    assert s.target.baseline == 44022 and s.target.denominator == 631075
    assert s.target.goal == 189323  # 30% of 631,075 = 189,322.5, rounded up (DOMAIN.md)
    assert "gov.dukcapil.mobile_id" in s.qr.install_android


def test_file_then_env_then_flags(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text(
        '[office]\nname = "Kantor A"\ncounter = "LOKET-2"\n[ui]\nlang = "en"\n'
        "[target]\npercent = 25\ndeadline = 2027-06-30\n",
        encoding="utf-8",
    )
    s = load_settings(f, env={})
    assert (s.office_name, s.counter_id, s.lang) == ("Kantor A", "LOKET-2", "en")
    assert s.target.percent == 25.0 and s.target.deadline == date(2027, 6, 30)
    s = load_settings(f, env={"IKD_COUNTER_OFFICE_COUNTER": "LOKET-9", "IKD_COUNTER_LANG": "id"})
    assert (s.counter_id, s.lang) == ("LOKET-9", "id")
    s = load_settings(f, env={"IKD_COUNTER_LANG": "id"}, overrides={"ui.lang": "en"})
    assert s.lang == "en"


def test_config_env_var_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "other.toml"
    f.write_text('[office]\ncode = "3325X"\n', encoding="utf-8")
    assert load_settings(env={"IKD_COUNTER_CONFIG": str(f)}).office_code == "3325X"


@pytest.mark.parametrize(
    ("body", "key", "expected"),
    [
        ('[ui]\nlang = "fr"\n', "ui.lang", '"id" or "en"'),
        ('[target]\nbaseline = "many"\n', "target.baseline", "whole number"),
        ("[target]\npercent = 130\n", "target.percent", "percentage"),
        ('[target]\ndeadline = "soon"\n', "target.deadline", "a date"),
        ('[office]\ncolour = "red"\n', "office.colour", "unknown key"),
        ('[database]\ntimezone = "Mars/Base"\n', "database.timezone", "time zone"),
    ],
)
def test_invalid_file_names_file_key_and_expectation(
    tmp_path: Path, body: str, key: str, expected: str
) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_settings(f, env={})
    msg = str(ei.value)
    assert str(f) in msg and key in msg and expected in msg


def test_toml_syntax_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[office\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_settings(f, env={})
    assert str(f) in str(ei.value) and "TOML" in str(ei.value)


def test_write_settings_round_trip(tmp_path: Path) -> None:
    f = tmp_path / "sub" / "c.toml"
    write_settings(f, {"office.name": 'Kantor "Batang"', "office.counter": "LOKET-3"})
    write_settings(f, {"ui.lang": "en"})
    s = load_settings(f, env={})
    assert (s.office_name, s.counter_id, s.lang) == ('Kantor "Batang"', "LOKET-3", "en")


def test_cli_reports_invalid_config(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('[ui]\nlang = "xx"\n', encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "counter", "--config", str(f), "locate"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "ui.lang" in r.stderr and str(f) in r.stderr


def test_locate_json(tmp_path: Path) -> None:
    env = {
        "IKD_COUNTER_CONFIG": str(tmp_path / "c.toml"),
        "PATH": "/usr/bin:/bin",
        "IKD_COUNTER_DB": str(tmp_path / "d.db"),
        "IKD_COUNTER_PATHS_DATA": str(tmp_path),
    }
    r = subprocess.run(
        [sys.executable, "-m", "counter", "locate", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["config"] == str(tmp_path / "c.toml")
    assert out["database"] == str(tmp_path / "d.db")
    assert out["exports"] == str(tmp_path / "exports")
    assert out["backups"] == str(tmp_path / "backups")
