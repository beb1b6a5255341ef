"""Outreach laptops: ``bundle export|import`` and ``outreach start|list|stop|report``."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import CliError, context_from_args, print_json
from counter.cli.output import out, out_err
from counter.domain.text import one_line


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bundle", help="move visits between an outreach laptop and the office")
    bsub = p.add_subparsers(dest="bundle_cmd", required=True)
    e = bsub.add_parser(
        "export",
        help="write visits, their events and officers to one file "
        "(supervisor: full NIKs and phone numbers)",
    )
    mode = e.add_mutually_exclusive_group()
    mode.add_argument(
        "--since-last",
        action="store_true",
        help="only visits changed since the last bundle of this device",
    )
    mode.add_argument("--event", metavar="E", help="only visits of outreach event E (id)")
    e.add_argument("-o", "--output", required=True, metavar="FILE", help="bundle file to write")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_export)
    i = bsub.add_parser("import", help="merge a bundle into this database (idempotent; supervisor)")
    i.add_argument("file")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_import)
    from counter.cli.bundle_key import register as register_key

    register_key(bsub)

    p = sub.add_parser("outreach", help="jemput bola: this device's outreach event")
    osub = p.add_subparsers(dest="outreach_cmd", required=True)
    s = osub.add_parser(
        "start", help="create an event (or reuse one) and make it active here (supervisor)"
    )
    place = s.add_mutually_exclusive_group(required=True)
    place.add_argument("--village", metavar="CODE", help="desa/kelurahan code, e.g. 33.25.01.2001")
    place.add_argument("--school", metavar="NAME", help="school name")
    place.add_argument("--event", metavar="ID", help="an existing event (id or id prefix)")
    s.add_argument("--date", type=_date, help="event date (default today)")
    s.add_argument("--name", help="event name (default: the place)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_outreach_start)
    ls = osub.add_parser("list", help="outreach events")
    ls.add_argument("--from", dest="date_from", type=_date)
    ls.add_argument("--to", dest="date_to", type=_date)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_outreach_list)
    st = osub.add_parser(
        "stop", help="end the active event on this device (office mode; supervisor)"
    )
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_outreach_stop)
    for cmd in (e, i, s, st):
        add_as_argument(cmd)
    r = osub.add_parser("report", help="visits split by outreach event or by place")
    r.add_argument("--from", dest="date_from", type=_date)
    r.add_argument("--to", dest="date_to", type=_date)
    r.add_argument("--by", choices=["event", "place"], default="event")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_outreach_report)


def _laptop_warning(ctx: Any, args: argparse.Namespace, payload: dict[str, Any]) -> None:
    """The lost-laptop warning (``services.unexported``): a JSON key, or a line on stderr."""
    from counter.services.unexported import unexported

    w = unexported(ctx)
    if args.json:
        payload["unexported"] = w.to_json() if w else None
    elif w is not None:
        out_err(w.message(ctx))


def cmd_export(args: argparse.Namespace) -> int:
    from counter.services import bundles

    ctx = context_from_args(args)
    sup = require_supervisor(ctx, args, "bundle export")
    res = bundles.export_bundle(
        ctx, args.output, since_last=args.since_last, event_id=args.event, officer=sup
    )
    if args.json:
        print_json(res.to_json())
    else:
        out(
            ctx.msg.t(
                "bundle.export.done",
                path=res.path,
                visits=res.visits,
                events=res.events,
                officers=res.officers,
                device=res.device_id,
                sha=res.sha256,
            )
        )
        if res.visits == 0 and res.mode == "since_last":
            out(ctx.msg.t("bundle.export.nothing_new"))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from counter.services import bundles

    ctx = context_from_args(args)
    sup = require_supervisor(ctx, args, "bundle import")
    try:
        summ = bundles.import_bundle(ctx, args.file, sup)
    except bundles.BundleError as e:
        raise CliError(e.message(ctx.settings.lang), code=2) from None
    if args.json:
        print_json(summ.to_json())
    else:
        out("\n".join(summ.lines(ctx.settings.lang)))
    return 0


def cmd_outreach_start(args: argparse.Namespace) -> int:
    from counter.services import outreach

    ctx = context_from_args(args)
    sup = require_supervisor(ctx, args, "outreach start")
    if args.event:
        ev = outreach.set_active(ctx, args.event, by=sup)
    else:
        ev = outreach.start(
            ctx,
            village_code=args.village,
            school=args.school,
            day=args.date,
            name=args.name,
            by=sup,
        )
    payload: dict[str, Any] = {"active": ev.to_json()}
    _laptop_warning(ctx, args, payload)
    if args.json:
        print_json(payload)
    else:
        out(ctx.msg.t("outreach.started", name=ev.name, day=ev.day.isoformat(), id=ev.id))
    return 0


def cmd_outreach_list(args: argparse.Namespace) -> int:
    from counter.services import outreach

    ctx = context_from_args(args)
    events = outreach.list_events(ctx, args.date_from, args.date_to)
    active = outreach.active_event(ctx)
    payload: dict[str, Any] = {
        "active": active.id if active else None,
        "events": [e.to_json() for e in events],
    }
    _laptop_warning(ctx, args, payload)
    if args.json:
        print_json(payload)
        return 0
    if not events:
        out(ctx.msg.t("outreach.no_events"))
        return 0
    out(ctx.msg.t("outreach.header"))
    for e in events:
        mark = f"  [{ctx.msg.t('outreach.active_mark')}]" if active and active.id == e.id else ""
        kind = ctx.msg.t(f"outreach.kind.{e.place_kind}")
        code = f" {e.place_code}" if e.place_code else ""
        out(f"{e.id[:8]}  {e.day.isoformat()}  {kind:<8} {one_line(e.name)}{one_line(code)}{mark}")
    return 0


def cmd_outreach_stop(args: argparse.Namespace) -> int:
    from counter.services import outreach

    ctx = context_from_args(args)
    sup = require_supervisor(ctx, args, "outreach stop")
    ev = outreach.stop(ctx, by=sup)
    payload: dict[str, Any] = {"stopped": ev.to_json() if ev else None}
    _laptop_warning(ctx, args, payload)
    if args.json:
        print_json(payload)
    elif ev is None:
        out(ctx.msg.t("outreach.none_active"))
    else:
        out(ctx.msg.t("outreach.stopped", name=ev.name))
    return 0


def cmd_outreach_report(args: argparse.Namespace) -> int:
    from counter.services import outreach

    ctx = context_from_args(args)
    d_to = args.date_to or args.date_from or ctx.today()
    d_from = args.date_from or d_to
    if d_from > d_to:
        raise CliError(f"--from {d_from} > --to {d_to}", code=2)
    fn = outreach.by_place if args.by == "place" else outreach.by_event
    rows = fn(ctx, d_from, d_to)
    payload: dict[str, Any] = {
        "from": d_from.isoformat(),
        "to": d_to.isoformat(),
        "by": args.by,
        "rows": [r.to_json() for r in rows],
    }
    _laptop_warning(ctx, args, payload)
    if args.json:
        print_json(payload)
        return 0
    out(ctx.msg.t("outreach.report_header"))
    for r in rows:
        out(
            f"{one_line(r.label)} | {r.visits} | {r.already_active} | {r.attempted} | "
            f"{r.activated} | {r.pending} | {r.failed} | {r.other} | {r.open}"
        )
    return 0
