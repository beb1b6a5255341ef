"""Settings: defaults, then the TOML file, then environment variables, then command-line flags."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import platformdirs

APP = "ikd-counter"
ANDROID_STORE = "https://play.google.com/store/apps/details?id=gov.dukcapil.mobile_id"
# Sources disagree on the App Store id (id6448944056 vs id1624421463): configurable.
IOS_STORE = "https://apps.apple.com/id/app/identitas-kependudukan-digital/id6448944056"


class ConfigError(ValueError):
    """An invalid configuration file or value, naming the file, the key and what is expected."""

    def __init__(self, file: str, key: str, expected: str) -> None:
        self.file, self.key, self.expected = file, key, expected
        super().__init__(f"{file}: key '{key}': {expected}")


@dataclass(frozen=True)
class Target:
    baseline: int = 44022
    denominator: int = 631075
    percent: float = 30.0
    deadline: date = date(2026, 12, 31)

    @property
    def goal(self) -> int:
        """Residents to reach, rounded up (30% of 631,075 is 189,322.5: the goal is 189,323)."""
        from decimal import ROUND_CEILING, Decimal

        exact = Decimal(self.denominator) * Decimal(str(self.percent)) / 100
        return int(exact.to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class QrSettings:
    install_android: str = ANDROID_STORE
    install_ios: str = IOS_STORE
    activation: str = ""
    help: str = ""


@dataclass(frozen=True)
class PrintSettings:
    command: str = ""  # empty: `lp` where it exists, the system's print action on Windows
    paper: str = "80mm"  # 80mm | a6
    escpos: str = ""  # "", "usb:VID:PID", "network:HOST[:PORT]", "file:/dev/usb/lp0"


@dataclass(frozen=True)
class SecuritySettings:
    idle_lock_minutes: int = 10  # the screen locks after this long without a key or click
    supervisor_idle_lock_minutes: int = 5  # sooner for a supervisor's session
    lock_warning_seconds: int = 60  # a countdown shows this long before the lock


@dataclass(frozen=True)
class RetentionSettings:
    phone_days_after_followup: int = 30  # a phone number is erased this long after its visit closed
    backup_days: int = 90  # backups older than this are deleted (the newest is always kept)


@dataclass(frozen=True)
class OutreachSettings:
    unexported_warning_days: int = 3  # warn when visits here wait longer than this for a bundle


@dataclass(frozen=True)
class Settings:
    office_name: str = "Disdukcapil Kabupaten Batang"
    office_code: str = "3325"
    counter_id: str = "LOKET-1"
    lang: str = "id"
    theme: str = "textual-light"
    db: str = ""  # path or URL; empty: the default SQLite file
    timezone: str = "Asia/Jakarta"
    busy_timeout_s: float = 10.0
    target: Target = field(default_factory=Target)
    qr: QrSettings = field(default_factory=QrSettings)
    printing: PrintSettings = field(default_factory=PrintSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    outreach: OutreachSettings = field(default_factory=OutreachSettings)
    config_file: str = ""
    data_dir: str = ""
    protocol_file: str = ""  # the office's own protocol file; empty: the packaged one

    # Where things live -------------------------------------------------------------
    @property
    def data_path(self) -> Path:
        return (
            Path(self.data_dir) if self.data_dir else Path(platformdirs.user_data_dir(APP, False))
        )

    @property
    def db_url(self) -> str:
        return self.db or str(self.data_path / "ikd-counter.db")

    @property
    def exports_dir(self) -> Path:
        return self.data_path / "exports"

    @property
    def backups_dir(self) -> Path:
        return self.data_path / "backups"

    @property
    def slips_dir(self) -> Path:
        return self.data_path / "slips"


def default_config_file() -> Path:
    env = os.environ.get("IKD_COUNTER_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP, False)) / "config.toml"


# key in file -> (attribute path, type, expectation text)
_SCHEMA: dict[str, tuple[str, type, str]] = {
    "office.name": ("office_name", str, "text, the office's name"),
    "office.code": ("office_code", str, 'text, the office code (e.g. "3325")'),
    "office.counter": ("counter_id", str, 'text, this counter\'s id (e.g. "LOKET-1")'),
    "ui.lang": ("lang", str, '"id" or "en"'),
    "ui.theme": ("theme", str, "a Textual theme name"),
    "database.url": ("db", str, "a SQLite file path or a postgresql+psycopg:// URL"),
    "database.busy_timeout": (
        "busy_timeout_s",
        float,
        "seconds, a number above 0 and at most 3600",
    ),
    "database.timezone": ("timezone", str, 'an IANA time zone such as "Asia/Jakarta"'),
    "paths.data": ("data_dir", str, "a folder path"),
    "target.baseline": ("target.baseline", int, "a whole number >= 0 (IKD users at the start)"),
    "target.denominator": ("target.denominator", int, "a whole number > 0 (wajib KTP)"),
    "target.percent": ("target.percent", float, "a percentage between 0 and 100"),
    "target.deadline": ("target.deadline", date, "a date, e.g. 2026-12-31"),
    "qr.install_android": ("qr.install_android", str, "a URL"),
    "qr.install_ios": ("qr.install_ios", str, "a URL"),
    "qr.activation": ("qr.activation", str, "text, the activation QR payload"),
    "qr.help": ("qr.help", str, "a WhatsApp link, phone number or web page"),
    "print.command": ("printing.command", str, "a command; {file} is replaced by the PDF path"),
    "print.paper": ("printing.paper", str, '"80mm" or "a6"'),
    "print.escpos": ("printing.escpos", str, "usb:VID:PID, network:HOST[:PORT] or file:PATH"),
    "protocol.file": ("protocol_file", str, "the path of the office's protocol TOML file"),
    "security.idle_lock_minutes": (
        "security.idle_lock_minutes",
        int,
        "whole minutes between 1 and 480",
    ),
    "security.supervisor_idle_lock_minutes": (
        "security.supervisor_idle_lock_minutes",
        int,
        "whole minutes between 1 and 480",
    ),
    "security.lock_warning_seconds": (
        "security.lock_warning_seconds",
        int,
        "whole seconds between 0 and 600",
    ),
    "retention.phone_days_after_followup": (
        "retention.phone_days_after_followup",
        int,
        "whole days between 0 and 3650",
    ),
    "retention.backup_days": ("retention.backup_days", int, "whole days between 1 and 3650"),
    "outreach.unexported_warning_days": (
        "outreach.unexported_warning_days",
        int,
        "whole days between 0 and 365",
    ),
}
# inclusive bounds of the whole-number keys above
_RANGES: dict[str, tuple[int, int]] = {
    "security.idle_lock_minutes": (1, 480),
    "security.supervisor_idle_lock_minutes": (1, 480),
    "security.lock_warning_seconds": (0, 600),
    "retention.phone_days_after_followup": (0, 3650),
    "retention.backup_days": (1, 3650),
    "outreach.unexported_warning_days": (0, 365),
}
_ENV_ALIASES = {"IKD_COUNTER_DB": "database.url", "IKD_COUNTER_LANG": "ui.lang"}


def _coerce(value: Any, typ: type, file: str, key: str, expected: str) -> Any:
    try:
        if typ is date:
            if isinstance(value, date):
                return value
            return date.fromisoformat(str(value))
        if typ is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if typ is float:
            if isinstance(value, bool) or not math.isfinite(float(value)):
                raise ValueError  # inf, nan, 1e400
            return float(value)
        if typ is str:
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise ValueError
            return str(value)
    except (TypeError, ValueError):
        raise ConfigError(file, key, f"expected {expected}, got {value!r}") from None
    return value


MAX_BUSY_TIMEOUT_S = 3600.0
# Accepted database URL schemes (anything else, e.g. mysql://, is refused when read).
DB_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")


def _supported_db(value: str) -> bool:
    """A file path, or a URL of one of DB_SCHEMES (counter.store.urls has the same list)."""
    return "://" not in value or value.split("://", 1)[0].lower() in DB_SCHEMES


def _check(key: str, value: Any, file: str) -> None:
    expected = _SCHEMA[key][2]
    bad = (
        (key == "ui.lang" and value not in ("id", "en"))
        or (key == "target.percent" and not 0 < value <= 100)
        or (key == "target.baseline" and value < 0)
        or (key == "target.denominator" and value <= 0)
        or (key == "database.busy_timeout" and not 0 < value <= MAX_BUSY_TIMEOUT_S)
        or (key == "database.url" and not _supported_db(value))
        or (key == "print.paper" and value not in ("80mm", "a6"))
        or (key in ("qr.install_android", "qr.install_ios") and not str(value).strip())
        or (key in _RANGES and not _RANGES[key][0] <= value <= _RANGES[key][1])
    )
    if bad:
        if key == "database.url":
            from counter.store.urls import mask_url

            value = mask_url(value)  # never print a password
        raise ConfigError(file, key, f"expected {expected}, got {value!r}")
    if key == "database.timezone":
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            raise ConfigError(file, key, f"expected {expected}, got {value!r}") from None


def _apply(settings: Settings, values: dict[str, Any], file: str) -> Settings:
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, raw in values.items():
        if key not in _SCHEMA:
            known = ", ".join(sorted(_SCHEMA))
            raise ConfigError(file, key, f"unknown key (known keys: {known})")
        attr, typ, expected = _SCHEMA[key]
        value = _coerce(raw, typ, file, key, expected)
        _check(key, value, file)
        if "." in attr:
            group, name = attr.split(".", 1)
            nested.setdefault(group, {})[name] = value
        else:
            top[attr] = value
    for group, changes in nested.items():
        top[group] = replace(getattr(settings, group), **changes)
    return replace(settings, **top)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def _env_values(env: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _SCHEMA:
        name = "IKD_COUNTER_" + key.upper().replace(".", "_")
        if env.get(name):
            out[key] = env[name]
    for name, key in _ENV_ALIASES.items():
        if env.get(name):
            out[key] = env[name]
    return out


def load_settings(
    config_file: str | Path | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
    must_exist: bool = False,
) -> Settings:
    """Defaults < TOML file < environment < flags (``overrides`` use file keys, e.g. ui.lang).

    ``must_exist`` (a file named with ``--config``): a missing file is an error, not defaults."""
    env = dict(os.environ) if env is None else env
    path = (
        Path(config_file)
        if config_file
        else (
            Path(env["IKD_COUNTER_CONFIG"])
            if env.get("IKD_COUNTER_CONFIG")
            else Path(platformdirs.user_config_dir(APP, False)) / "config.toml"
        )
    )
    settings = Settings(config_file=str(path))
    if must_exist and not path.is_file():
        raise ConfigError(str(path), "(file)", "an existing config file (--config)")
    if path.exists():
        settings = _apply(settings, _flatten(_read_toml(path)), str(path))
    settings = _apply(settings, _env_values(env), "environment")
    if overrides:
        settings = _apply(
            settings, {k: v for k, v in overrides.items() if v is not None}, "command line"
        )
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), "(syntax)", f"valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "(file)", "UTF-8 text (save the file as UTF-8)") from None
    except OSError as e:
        raise ConfigError(str(path), "(file)", f"a readable file: {e.strerror}") from None


def write_settings(path: Path, values: dict[str, Any]) -> None:
    """Write (merge) keys such as ``office.name`` into a TOML config file, atomically."""
    current: dict[str, Any] = {}
    if path.exists():
        current = _flatten(_read_toml(path))
    current.update(values)
    _apply(Settings(), current, str(path))  # validate before writing
    groups: dict[str, dict[str, Any]] = {}
    for key, v in current.items():
        g, k = key.split(".", 1)
        groups.setdefault(g, {})[k] = v
    lines: list[str] = []
    for g, kv in groups.items():
        lines.append(f"[{g}]")
        for k, v in kv.items():
            if isinstance(v, bool):
                lines.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, (int, float)):
                lines.append(f"{k} = {v}")
            elif isinstance(v, date):
                lines.append(f"{k} = {v.isoformat()}")
            else:
                s = str(v).replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'{k} = "{s}"')
        lines.append("")
    from counter.store.files import atomic_private_write, private_dir

    private_dir(path.parent)  # it may hold a PostgreSQL password: 0600 in a 0700 folder
    with atomic_private_write(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


def settings_fields() -> list[str]:
    return [f.name for f in fields(Settings)]
