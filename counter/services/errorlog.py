"""What a person sees when something fails, for the CLI and the TUI alike: one line in their
language, never a traceback. Unexpected errors are written, scrubbed, to a private log file.

``explain(error, lang, ...)`` classifies any exception into a :class:`Failure` (message, exit
code, log path). Scrubbing removes what a traceback can carry: NIKs (16-digit runs), phone
numbers, argon2 hashes, passwords in URLs and SQL parameters.

Exit codes (README, "Exit codes"): 1 an error the user can act on (storage, input, disk),
2 usage or configuration, 70 an unexpected internal error (logged), 130 interrupted,
141 output pipe closed (``| head``).
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from counter import errors
from counter.errors import UserError
from counter.i18n import catalog
from counter.store.urls import mask_url

__all__ = [
    "Failure",
    "debug_wanted",
    "explain",
    "mask_url",
    "scrub",
    "set_log_dir",
    "traceback_text",
    "write_log",
]

EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_PIPE = 1, 2, 70, 130, 141
DEBUG_ENV = "IKD_COUNTER_DEBUG"
LOG_NAME = "ikd-counter-errors.log"

_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[ .-]?\d){15,}(?!\d)")  # NIK (and any longer number)
_PHONE = re.compile(r"(?<![\d\w])(?:\+?62|0)[ .-]?8(?:[ .-]?\d){6,12}(?!\d)")
_ARGON2 = re.compile(r"\$argon2(?:id|i|d)\$[A-Za-z0-9+/=,$.-]*")
_PARAMS = re.compile(r"\[parameters: [^\n]*")
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@\s]*@")
_SECRET_KV = re.compile(
    r"(?i)\b(password|passwd|pwd|pin)(\s*[=:]\s*)('[^']*'|\"[^\"]*\"|[^\s&,)]+)"
)


def scrub(text: str) -> str:
    """``text`` without personal data or secrets (for logs and debug output)."""
    text = _PARAMS.sub("[parameters: (removed)]", text)
    text = _ARGON2.sub("$argon2(removed)", text)
    text = _USERINFO.sub(r"\1:***@", text)
    text = _SECRET_KV.sub(r"\1\2***", text)
    text = _LONG_DIGITS.sub(lambda m: _mask_digits(m.group(0)), text)
    return _PHONE.sub(lambda m: _mask_digits(m.group(0), keep=4), text)


def _mask_digits(s: str, keep: int = 4) -> str:
    digits = re.sub(r"\D", "", s)
    return digits[:keep] + "*" * (len(digits) - keep)


def debug_wanted(flag: bool = False) -> bool:
    return flag or os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def traceback_text(error: BaseException) -> str:
    return scrub("".join(traceback.format_exception(error)))


_log_dir: Path | None = None


def set_log_dir(folder: Path | None) -> None:
    """Where unexpected errors are logged from now on (the CLI and the TUI set the configured
    data folder's ``logs``; without it, the platform's default data folder)."""
    global _log_dir
    _log_dir = folder


def default_log_dir() -> Path:
    if _log_dir is not None:
        return _log_dir
    import platformdirs

    return Path(platformdirs.user_data_dir("ikd-counter", False)) / "logs"


def write_log(error: BaseException, folder: Path | None = None) -> Path | None:
    """Append the scrubbed traceback to the private (0600, folder 0700) error log; its path,
    or None when even that fails (read-only disk...)."""
    from counter.store.files import open_private, private_dir

    folder = folder or default_log_dir()
    try:
        private_dir(folder, tighten=True)
        path = folder / LOG_NAME
        with open_private(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} ---\n")
            fh.write(traceback_text(error))
        return path
    except OSError:
        return None


@dataclass(frozen=True)
class Failure:
    message: str  # empty: say nothing (broken pipe)
    code: int
    log: Path | None = None
    unexpected: bool = False


def explain(
    error: BaseException, lang: str = "id", *, where: str = "", log_dir: Path | None = None
) -> Failure:
    """The one classification of a failure: the message in ``lang`` and the exit code.
    Unexpected errors are logged (scrubbed) under ``log_dir``."""
    t = catalog(lang)
    known = _known(error, lang, where)
    if known is not None:
        return known
    kind = error.__class__.__name__
    path = write_log(error, log_dir)
    if path is None:
        return Failure(t("safety.cli.unexpected_nolog", kind=kind), EXIT_INTERNAL, None, True)
    return Failure(t("safety.cli.unexpected", kind=kind, log=str(path)), EXIT_INTERNAL, path, True)


def _known(error: BaseException, lang: str, where: str) -> Failure | None:
    t = catalog(lang)
    if isinstance(error, BrokenPipeError):
        return Failure("", EXIT_PIPE)
    if isinstance(error, KeyboardInterrupt):
        return Failure(t("safety.cli.interrupted"), EXIT_INTERRUPTED)
    if isinstance(error, UserError):
        return Failure(error.message(lang), EXIT_ERROR)
    if isinstance(error, ValueError) and error.__class__.__name__ == "ConfigError":
        return Failure(t("safety.cli.config", detail=scrub(str(error))), EXIT_USAGE)
    storage = _storage(error, where)
    if storage is not None:
        return Failure(storage.message(lang), EXIT_ERROR)
    if isinstance(error, OSError):
        return _os_failure(error, lang)
    return None


def _storage(error: BaseException, where: str) -> UserError | None:
    """A database failure that reached the top without being translated (raw connects)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, (DBAPIError, sqlite3.DatabaseError)):
        return None
    from counter.store.db import translate_error

    translated = translate_error(error, where or "?")
    return translated if isinstance(translated, UserError) else None


def _os_failure(error: OSError, lang: str) -> Failure:
    t = catalog(lang)
    file = error.filename or ""
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return Failure(t("safety.cli.disk_full", file=file or "?"), EXIT_ERROR)
    detail = error.strerror or str(error)
    if file:
        return Failure(t("safety.cli.os", detail=detail, file=file), EXIT_ERROR)
    return Failure(t("safety.cli.os_nofile", detail=scrub(detail)), EXIT_ERROR)


def _describe_unexpected(error: BaseException, lang: str) -> str:
    return explain(error, lang).message or error.__class__.__name__


errors.set_unexpected_describer(_describe_unexpected)  # counter.errors.describe uses it
