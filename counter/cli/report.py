"""``ikd-counter report [--date D | --from D --to D] [--json]``: the daily (or range) summary."""

from __future__ import annotations

import argparse
from datetime import date

from counter.cli.common import CliError, context_from_args, print_json
from counter.cli.output import out
from counter.domain.text import one_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="daily summary (or a date range) of the visits")
    p.add_argument("--date", help="the day, YYYY-MM-DD (default: today)")
    p.add_argument("--from", dest="date_from", help="first day of a range, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="last day of a range, YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--pdf", metavar="FILE", help="write the one-page A4 report as a PDF")
    p.add_argument("--png", metavar="FILE", help="write the report as a PNG image (chat group)")
    p.set_defaults(func=cmd_report)


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{flag}: '{value}' is not a date (YYYY-MM-DD)", 2) from None


def cmd_report(args: argparse.Namespace) -> int:
    if args.date and (args.date_from or args.date_to):
        raise CliError("--date cannot be combined with --from/--to", 2)
    if bool(args.date_from) != bool(args.date_to):
        raise CliError("--from and --to go together", 2)
    if args.pdf or args.png:
        return _shareable(args)
    from counter.services.report import summary

    ctx = context_from_args(args)
    try:
        if args.date_from:
            r = summary(ctx, _day(args.date_from, "--from"), _day(args.date_to, "--to"))
        else:
            r = summary(ctx, _day(args.date, "--date") if args.date else ctx.today())
    finally:
        ctx.db.dispose()
    if args.json:
        print_json(r.to_json())
        return 0
    out(render_text(r, ctx.msg))
    return 0


def _shareable(args: argparse.Namespace) -> int:
    """``--pdf FILE`` / ``--png FILE``: the one-page report (sharereport), files 0600."""
    from pathlib import Path

    from counter.services.sharereport import render

    ctx = context_from_args(args)
    try:
        first = (
            _day(args.date_from, "--from")
            if args.date_from
            else _day(args.date, "--date")
            if args.date
            else ctx.today()
        )
        last = _day(args.date_to, "--to") if args.date_to else None
        pdf = Path(args.pdf) if args.pdf else None
        png = Path(args.png) if args.png else None
        if pdf is not None and png is not None and pdf.resolve() == png.resolve():
            raise CliError("--pdf and --png name the same file", 2)
        data = render(ctx, first, last, pdf=pdf, png=png)
    finally:
        ctx.db.dispose()
    if args.json:
        print_json(
            {
                **data.report.to_json(),
                "pdf": str(pdf) if pdf else None,
                "png": str(png) if png else None,
            }
        )
    else:
        for f in (pdf, png):
            if f is not None:
                out(ctx.msg.t("coverage.screen.saved", path=str(f)))
    return 0


def render_text(r, t) -> str:  # noqa: ANN001 - Report, Catalog
    """The human-readable table (also used by tests)."""
    lines: list[str] = []
    if r.is_range:
        lines.append(
            t(
                "supervisor.report.title_range",
                start=r.date_from.isoformat(),
                end=r.date_to.isoformat(),
            )
        )
    else:
        lines.append(t("supervisor.report.title", day=r.date_to.isoformat()))
    conv = "-" if r.conversion is None else f"{r.conversion:.1f} %"
    lines.append(f"  {t('supervisor.report.visits'):<28}{r.visits:>8}")
    lines.append(f"  {t('supervisor.report.unfinished'):<28}{r.unfinished:>8}")
    lines.append(f"  {t('supervisor.report.attempted'):<28}{r.attempted:>8}")
    lines.append(f"  {t('supervisor.report.conversion'):<28}{conv:>8}")
    lines.append("")
    lines.append(t("supervisor.report.outcomes"))
    for code, n in r.outcomes.items():
        lines.append(f"  {code:<16}{t('supervisor.outcome.' + code):<20}{n:>8}")
    lines.append("")
    lines.append(t("supervisor.report.reasons"))
    any_reason = False
    for code, reasons in r.reasons.items():
        for reason, n in reasons.items():
            any_reason = True
            lines.append(f"  {code:<16}{one_line(reason):<28}{n:>8}")
    if not any_reason:
        lines.append("  -")
    for title, table in (
        (t("supervisor.report.by_officer"), r.by_officer),
        (t("supervisor.report.by_counter"), r.by_counter),
    ):
        lines.append("")
        lines.append(title)
        lines.append(
            f"  {'':<16}{t('supervisor.report.visits'):>10}"
            f"{t('supervisor.outcome.ACTIVATED'):>14}{t('supervisor.report.avg'):>14}"
        )
        for name, row in table.items():
            avg = "-" if row["avg_seconds"] is None else _mmss(row["avg_seconds"])
            lines.append(
                f"  {one_line(name):<16}{row['visits']:>10}{row['activated']:>14}{avg:>14}"
            )
    if r.by_event:
        lines.append("")
        lines.append(t("supervisor.report.by_event"))
        for row in r.by_event.values():
            lines.append(
                f"  {one_line(row['name'] or row['place'])[:30]:<30}{row['visits']:>8}"
                f"{row['activated']:>8}"
            )
    lines.append("")
    med = "-" if r.handling_median is None else _mmss(r.handling_median)
    mx = "-" if r.handling_max is None else _mmss(r.handling_max)
    lines.append(t("supervisor.report.handling", median=med, max=mx))
    lines.append("")
    lines.append(t("supervisor.report.per_hour"))
    peak = max(r.per_hour.values()) if r.per_hour else 0
    for hour, n in r.per_hour.items():
        bar = "█" * (round(30 * n / peak) if peak else 0)
        lines.append(f"  {hour}:00 {n:>5} {bar}")
    lines.append("")
    lines.append(
        t(
            "supervisor.report.target",
            total=f"{r.activated_total:,}",
            goal=f"{r.goal:,}",
            percent=f"{r.target_percent:.1f}",
            baseline=f"{r.baseline:,}",
        )
    )
    lines.append(
        t("supervisor.report.needed", needed=f"{r.needed_per_day:,}", days=r.working_days_left)
    )
    return "\n".join(lines)


def _mmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"
