"""Administration: ``backup`` (verified online copy) and ``doctor`` (integrity / connection)."""

from __future__ import annotations

import argparse
from pathlib import Path

from counter.cli import CliError, context_from_args, print_json
from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.output import out


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="consistent online backup of the SQLite database "
                                      "(supervisor: it holds all personal data)")
    p.add_argument("-o", "--output", help="backup file (default: the backups folder, dated)")
    add_as_argument(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

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
    from counter.services.backup import doctor

    ctx = context_from_args(args, migrate=False)  # a broken file must reach the check
    res = doctor(ctx)
    ctx.db.dispose()
    if args.json:
        print_json({"kind": res.kind, "location": res.location, "ok": res.ok,
                    "detail": res.detail, "schema": res.schema})
    else:
        t = ctx.msg
        key = "supervisor.doctor.ok" if res.ok else "supervisor.doctor.bad"
        out(t(key, kind=res.kind, location=res.location, detail=res.detail,
                schema=res.schema or "-"))
    return 0 if res.ok else 1
