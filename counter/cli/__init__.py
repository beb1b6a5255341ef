"""Command line: ``ikd-counter [--db PATH|URL] [--lang id|en] COMMAND``; bare opens the TUI.

Each command group lives in its own module under ``counter.cli`` and exposes
``register(subparsers)``, listed in COMMAND_MODULES; heavy imports happen inside the command
functions so start-up stays quick. What the command modules share (CliError, the settings and
context of the flags, JSON output, reading a PIN) is in ``counter.cli.common``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

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
from counter.cli.common import CliError, settings_from_args
from counter.cli.output import out_err

# The command groups, in the order of --help (each module has register(subparsers)).
COMMAND_MODULES = (
    core,
    registry,
    seed,
    tui,
    qr,
    report,
    export,
    bundle,
    admin,
    retention,
    coverage,
)


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    """The whole parser; its help in ``lang`` (English as written, Indonesian from the
    catalog of counter.cli.help_text)."""
    from counter.cli.help_text import argparse_words, localise

    argparse_words(lang)
    p = argparse.ArgumentParser(
        prog="ikd-counter", description="IKD Counter: assisted IKD activation at the counter."
    )
    p.add_argument("--db", help="SQLite file path or postgresql+psycopg:// URL (IKD_COUNTER_DB)")
    p.add_argument("--lang", choices=["id", "en"], help="user interface language (default id)")
    p.add_argument("--config", help="config TOML file (IKD_COUNTER_CONFIG)")
    p.add_argument(
        "--debug",
        action="store_true",
        help="on an error, also print the (masked) traceback (IKD_COUNTER_DEBUG=1)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    _globals_everywhere(sub)
    localise(p, lang)
    return p


def _globals_everywhere(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Accept --db/--lang/--config after the command too (``ikd-counter report --lang en``)."""
    for parser in set(sub.choices.values()):
        for flags, kw in (
            (("--db",), {}),
            (("--lang",), {"choices": ["id", "en"]}),
            (("--config",), {}),
            (("--debug",), {"action": "store_true"}),
        ):
            try:
                parser.add_argument(*flags, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kw)
            except argparse.ArgumentError:
                pass  # the command defines it itself
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _globals_everywhere(action)


def main(argv: Sequence[str] | None = None) -> int:
    from counter.cli.help_text import language

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(language(argv))
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int | None] | None = getattr(args, "func", None)
    if func is None:
        # bare `ikd-counter`: the TUI
        func = tui.run_tui
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
