"""Administration: ``backup`` (verified online copy), ``restore`` (verified, swapped in whole,
audited) and ``doctor`` (integrity / schema / connection)."""

from __future__ import annotations

import argparse
from pathlib import Path

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import CliError, context_from_args, print_json, settings_from_args
from counter.cli.output import out
from counter.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup",
        help="consistent online backup of the SQLite database "
        "(supervisor: it holds all personal data)",
    )
    p.add_argument("-o", "--output", help="backup file (default: the backups folder, dated)")
    add_as_argument(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="put a backup back (SQLite; verified, audited)")
    p.add_argument("backup", help="the backup file (ikd-counter backup / the day-close backup)")
    add_as_argument(p)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("doctor", help="check the database (integrity check / connection)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doctor)


def cmd_backup(args: argparse.Namespace) -> int:
    from counter.services import audit
    from counter.services.backup import BackupError, backup

    ctx = context_from_args(args)
    t = ctx.msg
    sup = require_supervisor(ctx, args, "backup")
    try:
        res = backup(ctx, dest=Path(args.output).expanduser() if args.output else None)
    except BackupError as e:
        raise CliError(e.message(ctx.settings.lang)) from None
    audit.log(ctx, "backup", sup, target=str(res.path), size=res.size)
    ctx.db.dispose()
    if args.json:
        print_json({"path": str(res.path), "size": res.size, "integrity": res.integrity})
    else:
        out(t("supervisor.backup.done", path=str(res.path), size=res.size))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from counter.errors import UserError
    from counter.i18n import catalog
    from counter.services.backup import doctor, doctor_unopenable
    from counter.services.errorlog import mask_url

    settings = settings_from_args(args)
    try:
        ctx = context_from_args(args, migrate=False)  # a broken file must reach the check
    except UserError as e:  # missing / empty / unreachable: a finding, nothing created
        res = doctor_unopenable(e, mask_url(settings.db_url), settings.lang)
    else:
        try:
            res = doctor(ctx)
        finally:
            ctx.db.dispose()
    if args.json:
        print_json(
            {
                "kind": res.kind,
                "location": res.location,
                "ok": res.ok,
                "detail": res.detail,
                "schema": res.schema,
            }
        )
    else:
        t = catalog(settings.lang)
        key = "supervisor.doctor.ok" if res.ok else "supervisor.doctor.bad"
        out(
            t(
                key,
                kind=res.kind,
                location=res.location,
                detail=res.detail,
                schema=res.schema or "-",
            )
        )
    return 0 if res.ok else 1


def cmd_restore(args: argparse.Namespace) -> int:
    from counter.i18n import catalog
    from counter.services.restore import discard, install, sqlite_path, stage

    settings = settings_from_args(args)
    t = catalog(settings.lang)
    backup = Path(args.backup).expanduser().absolute()
    staged, schema = stage(backup, sqlite_path(settings))  # verified before anything else
    try:
        who = _restorer(args, settings, staged)
        res = install(settings, backup, staged, schema, who)
    finally:
        discard(staged)
    if res.kept is None:
        out(t("safety.restore.nothing_kept", backup=str(res.backup), db=str(res.db)))
    else:
        out(t("safety.restore.done", backup=str(res.backup), db=str(res.db), kept=str(res.kept)))
    return 0


def _restorer(args: argparse.Namespace, settings: Settings, staged: Path) -> str:
    """The supervisor doing the restore: one of the current database, or, when that cannot be
    opened (missing, damaged), one of the verified backup."""
    from dataclasses import replace

    from counter.errors import UserError
    from counter.services.context import make_context

    try:
        ctx = context_from_args(args)
    except UserError:  # the storage errors: missing, empty, damaged, not ours
        ctx = make_context(replace(settings, db=str(staged)), create=False)
    try:
        return require_supervisor(ctx, args, "restore").username
    finally:
        ctx.db.dispose()
