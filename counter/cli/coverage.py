"""``ikd-counter coverage [--by kecamatan|desa] [--json]`` and ``ikd-counter plan [--json]``.

The same services as the TUI's coverage and plan screens; the numbers are the district's count
from the central extract (not this office's activations).
"""

from __future__ import annotations

import argparse

from counter.cli.common import CliError, context_from_args, print_json
from counter.cli.output import out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("coverage", help="IKD coverage per place from the central extract")
    p.add_argument("--by", choices=("kecamatan", "desa"), default="kecamatan")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_coverage)
    q = sub.add_parser("plan", help="where to take the outreach team next")
    q.add_argument(
        "--by",
        choices=("kecamatan", "desa"),
        default=None,
        help="rank kecamatan or desa (default: desa when the extract gave them)",
    )
    q.add_argument(
        "--start",
        type=int,
        metavar="RANK",
        help="start an outreach event today at the place of this rank",
    )
    q.add_argument("--json", action="store_true", help="one JSON object on stdout")
    q.set_defaults(func=cmd_plan)


def _num(n: int | None, signed: bool = False) -> str:
    if n is None:
        return "-"
    return f"{n:+,}" if signed else f"{n:,}"


def cmd_coverage(args: argparse.Namespace) -> int:
    from counter.services.coverage import coverage

    ctx = context_from_args(args)
    try:
        c = coverage(ctx, args.by)
    finally:
        ctx.db.dispose()
    if args.json:
        print_json(c.to_json())
        return 0
    t = ctx.msg.t
    if c.latest is None and not c.rows:
        out(t("coverage.no_registry"))
        return 0
    out(t("coverage.cli.title", by=t(f"coverage.level.{args.by}"), percent=f"{c.target_percent:g}"))
    head = (
        f"{t('coverage.col.code'):<15}{t('coverage.col.name'):<24}"
        f"{t('coverage.col.residents'):>11}{t('coverage.col.active'):>11}"
        f"{t('coverage.col.percent'):>8}{t('coverage.col.needed'):>10}"
        f"{t('coverage.col.change'):>10}"
    )
    out(head)
    for r in c.rows:
        out(
            f"{r.code:<15}{r.name[:23]:<24}{_num(r.residents):>11}{_num(r.active):>11}"
            f"{r.percent:>7.2f}%{_num(r.needed):>10}{_num(r.change, True):>10}"
        )
    out(
        f"{'':<15}{t('coverage.col.total'):<24}{_num(c.residents):>11}{_num(c.active):>11}"
        f"{c.percent:>7.2f}%{_num(c.needed):>10}"
    )
    if args.by == "desa" and c.without_desa:
        out(t("coverage.without_desa", n=_num(c.without_desa)))
    out(t("coverage.district_note"))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from counter.services.plan import plan, start_outreach

    ctx = context_from_args(args)
    try:
        p = plan(ctx, args.by)
        if args.start is not None:
            row = next((r for r in p.rows if r.rank == args.start), None)
            if row is None:
                raise CliError(ctx.msg.t("coverage.error.no_rank", rank=args.start), 2)
            ev = start_outreach(ctx, row)
            if args.json:
                print_json({"started": ev.to_json(), "place": row.to_json()})
            else:
                out(
                    ctx.msg.t(
                        "coverage.plan.started", name=ev.name, day=ev.day.isoformat(), id=ev.id
                    )
                )
            return 0
    finally:
        ctx.db.dispose()
    if args.json:
        print_json(p.to_json())
        return 0
    print_plan(p, ctx.msg.t)
    return 0


def print_plan(p, t) -> None:
    out(
        t(
            "coverage.plan.title",
            by=t(f"coverage.level.{p.by}"),
            percent=f"{p.coverage.target_percent:g}",
        )
    )
    if not p.rows:
        out(t("coverage.no_registry"))
        return
    for r in p.rows:
        c = r.place
        where = c.name if c.level == "kecamatan" else f"{c.name} ({c.kecamatan})"
        out(
            f"{r.rank:>3}. {where[:34]:<35}{t('coverage.col.needed')} {_num(c.needed):>8}  "
            f"{c.percent:>6.2f}%  {t('coverage.col.without')} {_num(c.without)}"
        )
        for e in r.events:
            out(
                "       "
                + t(
                    "coverage.plan.event",
                    day=e.day.isoformat(),
                    name=e.name,
                    visits=e.visits,
                    activated=e.activated,
                    change=_num(e.extract_change, True),
                )
            )
