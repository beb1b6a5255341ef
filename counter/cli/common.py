"""What every command module shares: the user-facing error, the settings and services context
of the command's flags, JSON output and reading a PIN. Command modules import these from here,
never from ``counter.cli`` (which imports the command modules: that would be a cycle)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from counter.cli.output import out_json
from counter.config import Settings, load_settings

if TYPE_CHECKING:
    from counter.services.context import Context


class CliError(Exception):
    """A user-facing error: printed to stderr, exit code ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "db", None):
        overrides["database.url"] = args.db
    if getattr(args, "lang", None):
        overrides["ui.lang"] = args.lang
    config = getattr(args, "config", None)
    return load_settings(config, overrides=overrides, must_exist=bool(config))


def context_from_args(
    args: argparse.Namespace, migrate: bool = True, create: bool = False
) -> Context:
    """The services context of the command's settings. Only ``init`` and ``seed-demo`` pass
    ``create=True``: every other command refuses a missing or empty database."""
    from counter.services.context import make_context

    return make_context(settings_from_args(args), migrate=migrate, create=create)


def print_json(obj: Any) -> None:
    out_json(obj)


def read_pin(prompt: str, again: str | None = None) -> str:
    """A PIN from the terminal (masked) or, when stdin is not a terminal, one line of stdin."""
    import getpass

    if sys.stdin.isatty():
        pin = getpass.getpass(prompt)
        if again is not None and getpass.getpass(again) != pin:
            raise CliError("PIN mismatch / PIN tidak sama")
        return pin
    line = sys.stdin.readline()
    return line.strip()
