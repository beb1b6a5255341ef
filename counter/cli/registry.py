"""``ikd-counter registry import FILE``: load the central IKD status extract (CSV or XLSX)."""

from __future__ import annotations

import argparse
from typing import Any

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import context_from_args, print_json
from counter.cli.output import out, out_err


def register(sub: argparse._SubParsersAction) -> None:
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
    if res.desa and res.desa["unmatched"]:
        show_unmatched(t, res.desa)
    out_err(t("registry.seconds", seconds=res.seconds))
    return 0


UNMATCHED_SHOWN = 20  # desa names listed; the rest are in the file the import wrote


def show_unmatched(t: Any, desa: dict[str, Any]) -> None:
    """The desa names that matched nothing (most rows first), the first UNMATCHED_SHOWN of them,
    and where the full list is."""
    names = list(desa["unmatched"].items())
    out(
        t(
            "registry.desa_unmatched",
            count=f"{len(names):,}",
            column=desa["column"],
            rows=f"{sum(n for _, n in names):,}",
        )
    )
    for name, rows in names[:UNMATCHED_SHOWN]:
        out(t("registry.desa_unmatched_row", name=name, rows=f"{rows:,}"))
    if len(names) > UNMATCHED_SHOWN:
        out(t("registry.desa_unmatched_more", more=f"{len(names) - UNMATCHED_SHOWN:,}"))
    if desa.get("unmatched_file"):
        out(t("registry.desa_unmatched_file", path=desa["unmatched_file"]))
