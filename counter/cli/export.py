"""``ikd-counter export``: visits to the central sheet (XLSX or CSV), as a recorded batch.

Who exports: the person at the machine names their supervisor account with ``--as USERNAME`` and
types its PIN (asked on the terminal, or one line of stdin when not a terminal), checked by
``require_supervisor`` like every other protected command; the service refuses anyone who is not
an active supervisor too and audits every attempt.
"""

from __future__ import annotations

import argparse

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import CliError, context_from_args, print_json
from counter.cli.output import out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export visits for the central sheet (supervisor; PIN asked)",
        description="Export finished visits (XLSX or CSV) as a recorded batch. "
        "Columns: see the README, section Export to the central sheet.",
    )
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", metavar="YYYY-MM-DD", help="one day")
    when.add_argument(
        "--from", dest="date_from", metavar="YYYY-MM-DD", help="first day of a range (with --to)"
    )
    when.add_argument(
        "--since-last",
        action="store_true",
        help="finished visits not yet exported (corrections go again)",
    )
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day of the range")
    p.add_argument(
        "--format",
        choices=["xlsx", "csv"],
        default=None,
        help="file format (default: from -o's suffix, else xlsx)",
    )
    p.add_argument(
        "--delimiter",
        choices=[";", ",", "semicolon", "comma"],
        default=";",
        metavar="';'|','",
        help="CSV delimiter: ';' (default, what Indonesian Excel expects) or ','; "
        "the words semicolon/comma also work",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file or folder to write (default: the exports folder)",
    )
    add_as_argument(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)


def _date(value: str | None, lang: str):  # noqa: ANN202
    from datetime import date

    from counter.services.export import ExportError

    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CliError(ExportError("bad_date", value=value).message(lang), code=2) from None


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from counter.services.export import ExportError, export_visits

    lang = args.lang or "id"
    if args.date_from and not args.date_to or args.date_to and not args.date_from:
        raise CliError(ExportError("dates_required").message(lang), code=2)
    if args.since_last:
        mode, d1, d2 = "since_last", None, None
    elif args.date:
        mode, d1, d2 = "date", _date(args.date, lang), None
    else:
        mode, d1, d2 = "range", _date(args.date_from, lang), _date(args.date_to, lang)
    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = "csv" if suffix == ".csv" else "xlsx"

    ctx = context_from_args(args)
    t = ctx.msg
    who = require_supervisor(ctx, args, "export")
    res = export_visits(
        ctx,
        who,
        mode,
        date_from=d1,
        date_to=d2,
        fmt=fmt,
        delimiter={"semicolon": ";", "comma": ","}.get(args.delimiter, args.delimiter),
        out=args.output,
    )
    if args.json:
        print_json(res.to_json())
        return 0
    if res.batch_id is None:
        out(t("export.cli.nothing_new"))
        return 0
    out(t("export.cli.done", rows=res.rows, corrections=res.corrections, batch=res.batch_id))
    out(t("export.cli.file", path=res.path))
    if res.recap_path:
        out(t("export.cli.recap", path=res.recap_path))
    out(t("export.cli.sha", sha=res.sha256))
    return 0
