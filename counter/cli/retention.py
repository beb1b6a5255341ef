"""``ikd-counter retention``: erase phone numbers past their period and delete old backups.

It changes recorded data, so it needs a supervisor (``--as USERNAME``, PIN asked). The periods
come from ``[retention]`` in the config file; ``--dry-run`` only counts.
"""

from __future__ import annotations

import argparse

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import context_from_args, print_json
from counter.cli.output import out, out_err


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "retention",
        help="erase phone numbers past their period, delete old backups (supervisor; PIN asked)",
        description="Erase the phone numbers of visits whose follow-up closed more than "
        "[retention] phone_days_after_followup days ago and delete backups older "
        "than [retention] backup_days (the newest backup is always kept). "
        "Also runs at every day close.",
    )
    p.add_argument("--dry-run", action="store_true", help="only count; change nothing")
    add_as_argument(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_retention)


def cmd_retention(args: argparse.Namespace) -> int:
    from counter.services import retention

    ctx = context_from_args(args)
    try:
        who = require_supervisor(ctx, args, "retention")
        res = retention.run(ctx, who, dry_run=args.dry_run)
        t = ctx.msg
        if args.json:
            print_json(res.to_json())
            return 1 if res.backup_errors else 0
        head = "retention.run.dry_run" if res.dry_run else "retention.run.done"
        out(t(head))
        out(
            t(
                "retention.run.phones",
                n=res.phones_erased,
                kept=res.phones_kept,
                days=res.phone_days,
            )
        )
        out(
            t(
                "retention.run.backups",
                n=len(res.backups_deleted),
                kept=res.backups_kept,
                days=res.backup_days,
            )
        )
        for name in res.backups_deleted:
            out(f"  {name}")
        for err in res.backup_errors:
            out_err(t("retention.run.backup_error", detail=err))
        return 1 if res.backup_errors else 0
    finally:
        ctx.db.dispose()
