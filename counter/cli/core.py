"""Core commands: locate, nik, lookup, init, officer."""

from __future__ import annotations

import argparse

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import CliError, context_from_args, print_json, read_pin, settings_from_args
from counter.cli.output import out, out_err
from counter.domain.text import one_line


def register(sub: argparse._SubParsersAction) -> None:
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

    p = sub.add_parser(
        "init",
        help="create the database and the first supervisor",
        description="Only on a database without any account: makes the first "
        "supervisor (PIN asked twice on a terminal, else one line of "
        "stdin) and shows the recovery code once (see README, Lost "
        "supervisor PIN).",
    )
    p.add_argument("--username", default="admin")
    p.add_argument("--name", default="")
    p.set_defaults(func=cmd_init)
    _register_officer(sub)


_STDIN_TWO = (
    "Without a terminal, stdin gives the supervisor's PIN on the first line and the "
    "new PIN on the second."
)


def _register_officer(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "officer",
        help="accounts: add, list, disable, enable, set-pin, recover "
        "(a supervisor's --as USERNAME and PIN)",
    )
    osub = p.add_subparsers(dest="officer_cmd", required=True)
    a = osub.add_parser(
        "add",
        help="add an account (supervisor; PINs asked, never on the command line)",
        description=_STDIN_TWO,
    )
    a.add_argument("username")
    a.add_argument("--name", default="")
    a.add_argument("--role", choices=["officer", "supervisor"], default="officer")
    a.set_defaults(func=cmd_officer_add)
    ls = osub.add_parser("list", help="list accounts (supervisor)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_officer_list)
    d = osub.add_parser(
        "disable", help="disable an account (supervisor; not the last active supervisor)"
    )
    d.add_argument("username")
    d.set_defaults(func=cmd_officer_disable)
    sp = osub.add_parser(
        "set-pin",
        help="set or reset an account's PIN (supervisor; a second "
        "supervisor resets a lost supervisor PIN)",
        description=_STDIN_TWO,
    )
    sp.add_argument("username")
    sp.set_defaults(func=cmd_officer_set_pin)
    e = osub.add_parser("enable", help="enable an account, clearing a lockout (supervisor)")
    e.add_argument("username")
    e.set_defaults(func=cmd_officer_enable)
    for cmd in (a, ls, d, sp, e):
        add_as_argument(cmd)
    r = osub.add_parser(
        "recover",
        help="new PIN for a supervisor with the recovery code "
        "(when no other supervisor can reset it)",
        description="Asks the recovery code shown at init (or by "
        "'officer recovery-code'), then the new PIN; without a "
        "terminal: the code on the first line of stdin, the PIN on "
        "the second. The code works once: a new one is shown.",
    )
    r.add_argument("username")
    r.set_defaults(func=cmd_officer_recover)
    rc = osub.add_parser(
        "recovery-code", help="make a new recovery code; the old one stops working (supervisor)"
    )
    add_as_argument(rc)
    rc.set_defaults(func=cmd_officer_recovery_code)


def cmd_locate(args: argparse.Namespace) -> int:
    from counter.services.errorlog import mask_url

    s = settings_from_args(args)
    info = {
        "config": s.config_file,
        "database": mask_url(s.db_url),
        "data": str(s.data_path),
        "exports": str(s.exports_dir),
        "backups": str(s.backups_dir),
        "slips": str(s.slips_dir),
    }
    if args.json:
        print_json(info)
    else:
        width = max(map(len, info))
        for k, v in info.items():
            out(f"{k:<{width}}  {one_line(v)}")
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
            print_json(
                {
                    "nik": str(args.value).strip(),
                    "valid": False,
                    "error": err.message(lang) if err else "",
                    "error_code": err.code if err else None,
                    "province_code": None,
                    "regency_code": None,
                    "district_code": None,
                    "district_name": None,
                    "in_batang": None,
                    "birth_date": None,
                    "sex": None,
                    "age": None,
                    "serial": None,
                }
            )
        return 0 if info else 1
    if err:
        out_err(f"ikd-counter: {err.message(lang)}")
        return 1
    from counter.i18n import catalog

    t = catalog(lang)
    assert info is not None
    out(f"{info.nik}  {t('nik.valid')}")
    where = info.district_name or f"{info.province_code}.{info.regency_code}.{info.district_code}"
    out(
        f"  {where}  {info.birth_date.isoformat()}  {t('nik.sex_' + info.sex)}  "
        f"{t('nik.years', age=info.age(today))}"
    )
    if not info.in_batang:
        out(f"  ! {t('nik.outside_batang')}")
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
    out(f"{info.nik}  {line}")
    if not res.visits:
        out("  " + t("lookup.no_visits"))
    for v in res.visits:
        out(f"  {v['date']}  {v['outcome'] or '-'}  {one_line(v['reason'] or '')}".rstrip())
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from counter.services import accounts, recovery

    ctx = context_from_args(args, create=True)
    t = ctx.msg
    if accounts.count_officers(ctx) > 0:
        out_err(t("account.already_init"))
        return 1
    pin = read_pin(t("account.pin_prompt"), t("account.pin_again"))
    _, code = recovery.init_first_supervisor(ctx, args.username, pin, full_name=args.name)
    out(t("account.created", username=args.username, role=t("account.role_supervisor")))
    out(t("auth.recovery.code", code=code))
    out(ctx.db.where)  # the file, or the URL without its password
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    t = ctx.msg
    sup = require_supervisor(ctx, args, "officer add")
    pin = read_pin(t("account.pin_prompt"), t("account.pin_again"))
    accounts.create_officer(ctx, args.username, pin, role=args.role, full_name=args.name, by=sup)
    out(t("account.created", username=args.username, role=t(f"account.role_{args.role}")))
    return 0


def cmd_officer_list(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    require_supervisor(ctx, args, "officer list")
    rows = accounts.list_officers(ctx)
    if args.json:
        print_json({"officers": [r.__dict__ for r in rows]})
        return 0
    t = ctx.msg
    for r in rows:
        flags = ("" if r.active else " [" + t("ui_office.flag_disabled") + "]") + (
            " [" + t("ui_office.flag_locked") + "]" if r.locked else ""
        )
        role = t(f"account.role_{r.role}") if r.role in ("officer", "supervisor") else r.role
        out(f"{r.username:<20} {role:<10} {one_line(r.full_name)}{flags}")
    return 0


def cmd_officer_disable(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    sup = require_supervisor(ctx, args, "officer disable")
    accounts.set_active(ctx, args.username, False, by=sup)
    out(ctx.msg("account.disabled_ok", username=args.username))
    return 0


def cmd_officer_enable(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    sup = require_supervisor(ctx, args, "officer enable")
    accounts.set_active(ctx, args.username, True, by=sup)
    out(ctx.msg("account.enabled_ok", username=args.username))
    return 0


def cmd_officer_set_pin(args: argparse.Namespace) -> int:
    from counter.services import accounts

    ctx = context_from_args(args)
    t = ctx.msg
    sup = require_supervisor(ctx, args, "officer set-pin")
    if accounts.get_officer(ctx, args.username) is None:
        raise CliError(t("account.not_found", username=args.username))
    pin = read_pin(t("account.pin_prompt"), t("account.pin_again"))
    accounts.set_pin(ctx, args.username, pin, by=sup)
    out(t("account.pin_set_ok", username=args.username))
    return 0


def cmd_officer_recover(args: argparse.Namespace) -> int:
    from counter.services import recovery

    ctx = context_from_args(args)
    t = ctx.msg
    code = read_pin(t("auth.recovery.code_prompt"))
    pin = read_pin(t("account.pin_prompt"), t("account.pin_again"))
    new_code = recovery.recover(ctx, args.username, code, pin)
    out(t("auth.recovery.done", username=args.username))
    out(t("auth.recovery.code", code=new_code))
    return 0


def cmd_officer_recovery_code(args: argparse.Namespace) -> int:
    from counter.services import recovery

    ctx = context_from_args(args)
    sup = require_supervisor(ctx, args, "officer recovery-code")
    out(ctx.msg("auth.recovery.code", code=recovery.new_code(ctx, by=sup)))
    return 0
