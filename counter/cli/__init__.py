"""Command line: ``ikd-counter [--db PATH|URL] [--lang id|en] COMMAND``; bare opens the TUI.

Each command group lives in its own module under ``counter.cli`` and exposes
``register(subparsers)``, listed in command_modules(); heavy imports happen inside the command
functions so start-up stays quick. What the command modules share (CliError, the settings and
context of the flags, JSON output, reading a PIN) is in ``counter.cli.common``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from counter.cli.common import CliError, settings_from_args
from counter.cli.output import out_err

# The options every command takes, before or after it: (flags, add_argument keywords).
GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--db", {"help": "SQLite file path or postgresql+psycopg:// URL (IKD_COUNTER_DB)"}),
    ("--lang", {"choices": ["id", "en"], "help": "user interface language (default id)"}),
    ("--config", {"help": "config TOML file (IKD_COUNTER_CONFIG)"}),
    (
        "--debug",
        {
            "action": "store_true",
            "help": "on an error, also print the (masked) traceback (IKD_COUNTER_DEBUG=1)",
        },
    ),
)


def command_modules() -> tuple[ModuleType, ...]:
    """The command groups, in the order of --help (each module has register(subparsers))."""
    from counter.cli import (
        admin,
        bundle,
        core,
        coverage,
        export,
        qr,
        registry,
        report,
        retention,
        seed,
        tui,
    )

    return (core, registry, seed, tui, qr, report, export, bundle, admin, retention, coverage)


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    """The whole parser; its help in ``lang`` (English as written, Indonesian from the
    catalog of counter.cli.help_text)."""
    from counter.cli.help_text import argparse_words, localise

    argparse_words(lang)
    p = argparse.ArgumentParser(
        prog="ikd-counter", description="IKD Counter: assisted IKD activation at the counter."
    )
    for flag, kw in GLOBAL_OPTIONS:
        p.add_argument(flag, **kw)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(sub)
    _globals_everywhere(sub)
    localise(p, lang)
    return p


def _globals_everywhere(sub: argparse._SubParsersAction) -> None:
    """Accept --db/--lang/--config after the command too (``ikd-counter report --lang en``)."""
    for parser in set(sub.choices.values()):
        for flag, kw in GLOBAL_OPTIONS:
            quiet = {k: v for k, v in kw.items() if k != "help"}
            try:
                parser.add_argument(
                    flag, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **quiet
                )
            except argparse.ArgumentError:
                pass  # the command defines it itself
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _globals_everywhere(action)


def main(argv: Sequence[str] | None = None) -> int:
    from counter.cli.help_text import language

    argv = list(sys.argv[1:] if argv is None else argv)
    # `ikd-counter [--db X] [--lang L] ...` opens the TUI without building the whole parser
    args = bare_args(argv) or build_parser(language(argv)).parse_args(argv)
    func: Callable[[argparse.Namespace], int | None] | None = getattr(args, "func", None)
    if func is None:
        # bare `ikd-counter`: the TUI
        from counter.cli.tui import run_tui

        func = run_tui
    try:
        code = int(func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler
        return code
    except CliError as e:
        out_err(f"ikd-counter: {e}")
        return e.code
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - the one top-level handler: never a traceback
        try:
            return report_failure(e, args)
        except Exception:  # noqa: BLE001 - the handler itself failed: still no traceback
            out_err(f"ikd-counter: {e.__class__.__name__}")
            return 70


def _bare(argv: Sequence[str]) -> bool:
    """Only global options, each well formed (a bad one goes to the whole parser, which says
    why): the bare command, which opens the TUI."""
    values = {flag: kw.get("choices") for flag, kw in GLOBAL_OPTIONS if "action" not in kw}
    flags = {flag for flag, kw in GLOBAL_OPTIONS if "action" in kw}
    i = 0
    while i < len(argv):
        name, eq, value = argv[i].partition("=")
        if name in flags and not eq:
            i += 1
            continue
        if name not in values:
            return False
        if not eq:
            if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                return False
            value, i = argv[i + 1], i + 1
        choices = values[name]
        if choices is not None and value not in choices:
            return False
        i += 1
    return True


def bare_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of a bare command line (as the whole parser gives them), else None."""
    if not _bare(argv):
        return None
    p = argparse.ArgumentParser(prog="ikd-counter", add_help=False)
    for flag, kw in GLOBAL_OPTIONS:
        p.add_argument(flag, **kw)
    args = p.parse_args(argv)
    args.command = None
    return args


def report_failure(error: BaseException, args: argparse.Namespace) -> int:
    """Turn any exception into one line on stderr in the user's language and an exit code
    (see counter.services.errorlog); unexpected ones are logged, scrubbed, in the data folder."""
    from counter.services.errorlog import EXIT_PIPE, debug_wanted, explain, traceback_text

    if isinstance(error, BrokenPipeError):
        _silence_stdout()
        return EXIT_PIPE
    lang, where, log_dir = _failure_context(args)
    failure = explain(error, lang, where=where, log_dir=log_dir)
    try:
        if debug_wanted(bool(getattr(args, "debug", False))):
            out_err(traceback_text(error).rstrip("\n"))  # data in it stays literal too
        if failure.message:
            out_err(f"ikd-counter: {failure.message}")
    except OSError:
        pass
    return failure.code


def _failure_context(args: argparse.Namespace) -> tuple[str, str, Any]:
    """(language, database shown masked, log folder) for an error message, best effort: the
    configuration itself may be what failed."""
    from counter.services.errorlog import mask_url

    lang = getattr(args, "lang", None) or os.environ.get("IKD_COUNTER_LANG") or "id"
    try:
        s = settings_from_args(args)
    except Exception:  # noqa: BLE001 - fall back to the flags and the default folder
        return (
            (lang if lang in ("id", "en") else "id"),
            mask_url(getattr(args, "db", "") or ""),
            None,
        )
    return s.lang, mask_url(s.db_url), s.data_path / "logs"


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at devnull so the exit flush does not fail again
    (the Python documentation's advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
