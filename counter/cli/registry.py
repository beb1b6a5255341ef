"""``ikd-counter registry import FILE``: load the central IKD status extract (CSV or XLSX)."""

from __future__ import annotations

import argparse

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import context_from_args, print_json
from counter.cli.output import out, out_err


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("registry", help="the central IKD status extract")
    rsub = p.add_subparsers(dest="registry_cmd", required=True)
    imp = rsub.add_parser("import", help="import a CSV or XLSX extract (upsert by NIK; supervisor)")
    imp.add_argument("file")
    add_as_argument(imp)
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_registry_import)


def cmd_registry_import(args: argparse.Namespace) -> int:
    from counter.cli.progress import ProgressBar
    from counter.services.registry import import_registry

    ctx = context_from_args(args)
    t = ctx.msg
    sup = require_supervisor(ctx, args, "registry import")
    bar = ProgressBar(t("registry.progress"), show_counts=False)
    try:
        res = import_registry(ctx, args.file, progress=bar, by=sup)
    finally:
        bar.close()
    if args.json:
        print_json(res.to_json())
        return 0
    out(
        t(
            "registry.done",
            read=f"{res.read:,}",
            inserted=f"{res.inserted:,}",
            updated=f"{res.updated:,}",
            unchanged=f"{res.unchanged:,}",
            rejected=f"{res.rejected:,}",
        )
    )
    if res.rejects_file:
        out(t("registry.rejects", path=res.rejects_file))
    out_err(t("registry.seconds", seconds=res.seconds))
    return 0
