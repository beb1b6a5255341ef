"""Core commands: locate, nik, lookup, init, officer."""

from __future__ import annotations

import argparse
import sys

from counter.cli import CliError, context_from_args, print_json, read_pin, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("locate", help="where config, database, exports and backups live")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_locate)

    p = sub.add_parser("nik", help="validate and decode a NIK")
    p.add_argument("value")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_nik)

    p = sub.add_parser("lookup", help="IKD status and visit history of a NIK")
    p.add_argument("value")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lookup)

    p = sub.add_parser("init", help="create the database and the first supervisor")
    p.add_argument("--username", default="admin")
    p.add_argument("--name", default="")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("officer", help="officer accounts: add, list, disable, enable")
    osub = p.add_subparsers(dest="officer_cmd", required=True)
    a = osub.add_parser("add", help="add an account (PIN asked, never on the command line)")
    a.add_argument("username")
    a.add_argument("--name", default="")
    a.add_argument("--role", choices=["officer", "supervisor"], default="officer")
    a.set_defaults(func=cmd_officer_add)
    ls = osub.add_parser("list", help="list accounts")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_officer_list)
    d = osub.add_parser("disable", help="disable an account")
    d.add_argument("username")
    d.set_defaults(func=cmd_officer_disable)
    sp = osub.add_parser("set-pin", help="set or reset an account's PIN (asked at a prompt)")
    sp.add_argument("username")
    sp.set_defaults(func=cmd_officer_set_pin)
    e = osub.add_parser("enable", help="enable an account (e.g. one imported from a bundle)")
    e.add_argument("username")
    e.set_defaults(func=cmd_officer_enable)


def cmd_locate(args: argparse.Namespace) -> int:
    s = settings_from_args(args)
    info = {"config": s.config_file, "database": s.db_url, "data": str(s.data_path),
            "exports": str(s.exports_dir), "backups": str(s.backups_dir),
            "slips": str(s.slips_dir)}
    if args.json:
        print_json(info)
    else:
        width = max(map(len, info))
        for k, v in info.items():
            print(f"{k:<{width}}  {v}")
    return 0


def cmd_nik(args: argparse.Namespace) -> int:
    from datetime import date

    from counter.domain import nik as nikmod

    lang = args.lang or "id"
    today = date.today()
    info, err = nikmod.check(args.value, today)
    if args.json:
        if info:
            print_json({"nik": info.nik, **info.to_json(today)})
        else:
            print_json({"nik": str(args.value).strip(), "valid": False, "error": err.message(lang) if err else "",
                        "error_code": err.code if err else None, "province_code": None,
                        "regency_code": None, "district_code": None, "district_name": None,
                        "in_batang": None, "birth_date": None, "sex": None, "age": None,
                        "serial": None})
        return 0 if info else 1
    if err:
        print(f"ikd-counter: {err.message(lang)}", file=sys.stderr)
        return 1
    from counter.i18n import catalog

    t = catalog(lang)
    assert info is not None
    print(f"{info.nik}  {t('nik.valid')}")
    where = info.district_name or f"{info.province_code}.{info.regency_code}.{info.district_code}"
    print(f"  {where}  {info.birth_date.isoformat()}  {t('nik.sex_' + info.sex)}  "
          f"{t('nik.years', age=info.age(today))}")
    if not info.in_batang:
        print(f"  ! {t('nik.outside_batang')}")
    return 0


def cmd_lookup(args: argparse.Namespace) -> int:
    from counter.domain import nik as nikmod
    from counter.services.lookup import lookup

    ctx = context_from_args(args)
    info, err = nikmod.check(args.value, ctx.today())
    if err:
        raise CliError(err.message(ctx.settings.lang))
    assert info is not None
    res = lookup(ctx, info.nik)
    if args.json:
        print_json(res.to_json())
        return 0
    t = ctx.msg
    line = t(f"lookup.{res.ikd_status}")
    if res.activated_on:
        line += " " + t("lookup.since", date=res.activated_on.isoformat())
    print(f"{info.nik}  {line}")
    if not res.visits:
        print("  " + t("lookup.no_visits"))
    for v in res.visits:
        print(f"  {v['date']}  {v['outcome'] or '-'}  {v['reason'] or ''}".rstrip())
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    t = ctx.msg
    if accounts.count_officers(ctx) > 0:
        print(t("account.already_init"), file=sys.stderr)
        return 1
    pin = read_pin(t("account.pin_prompt"), t("account.pin_again"))
    accounts.create_officer(ctx, args.username, pin, role="supervisor", full_name=args.name)
    print(t("account.created", username=args.username, role=t("account.role_supervisor")))
    print(ctx.db.url if ctx.db.kind != "sqlite" else str(ctx.db.path))
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    t = ctx.msg
    pin = read_pin(t("account.pin_prompt"), t("account.pin_again"))
    accounts.create_officer(ctx, args.username, pin, role=args.role, full_name=args.name)
    print(t("account.created", username=args.username, role=t(f"account.role_{args.role}")))
    return 0


def cmd_officer_list(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    rows = accounts.list_officers(ctx)
    if args.json:
        print_json({"officers": [r.__dict__ for r in rows]})
        return 0
    for r in rows:
        flags = ("" if r.active else " [nonaktif/disabled]") + (" [terkunci/locked]"
                                                                   if r.locked else "")
        print(f"{r.username:<20} {r.role:<10} {r.full_name}{flags}")
    return 0


def cmd_officer_disable(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    accounts.set_active(ctx, args.username, False)
    print(ctx.msg("account.disabled_ok", username=args.username))
    return 0


def cmd_officer_enable(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    accounts.set_active(ctx, args.username, True)
    print(ctx.msg("account.enabled_ok", username=args.username))
    return 0


def cmd_officer_set_pin(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    t = ctx.msg
    if accounts.get_officer(ctx, args.username) is None:
        raise CliError(t("account.not_found", username=args.username))
    pin = read_pin(t("account.pin_prompt"), t("account.pin_again"))
    accounts.set_pin(ctx, args.username, pin)
    print(t("account.pin_set_ok", username=args.username))
    return 0
