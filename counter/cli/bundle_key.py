"""``bundle key export|import|show``: the office's bundle key, copied once to each laptop."""

from __future__ import annotations

import argparse

from counter.cli.auth import add_as_argument, require_supervisor
from counter.cli.common import context_from_args, print_json
from counter.cli.output import out


def register(bsub: argparse._SubParsersAction) -> None:
    k = bsub.add_parser("key", help="the office's bundle key (signs and checks bundles)")
    ksub = k.add_subparsers(dest="key_cmd", required=True)
    e = ksub.add_parser("export", help="write the office's key (made on first use) to a file")
    e.add_argument("-o", "--output", required=True, metavar="FILE")
    add_as_argument(e)
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_key_export)
    i = ksub.add_parser("import", help="take the office's key from a key file (on a laptop)")
    i.add_argument("file")
    i.add_argument(
        "--replace", action="store_true", help="replace a different key this database already has"
    )
    add_as_argument(i)
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_key_import)
    s = ksub.add_parser("show", help="the fingerprint of this database's key")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_key_show)


def cmd_key_export(args: argparse.Namespace) -> int:
    from counter.services import bundle_key

    ctx = context_from_args(args)
    who = require_supervisor(ctx, args, "bundle_key_export")
    fp = bundle_key.write_file(ctx, args.output, who)
    if args.json:
        print_json({"path": args.output, "fingerprint": fp})
    else:
        out(ctx.msg.t("inputs.key.exported", path=args.output, fingerprint=fp))
    return 0


def cmd_key_import(args: argparse.Namespace) -> int:
    from counter.services import bundle_key

    ctx = context_from_args(args)
    who = require_supervisor(ctx, args, "bundle_key_import")
    fp = bundle_key.import_file(ctx, args.file, who, replace=args.replace)
    if args.json:
        print_json({"fingerprint": fp})
    else:
        out(ctx.msg.t("inputs.key.imported", fingerprint=fp))
    return 0


def cmd_key_show(args: argparse.Namespace) -> int:
    from counter.services import bundle_key

    ctx = context_from_args(args)
    key = bundle_key.current(ctx)
    fp = bundle_key.fingerprint(key) if key else None
    if args.json:
        print_json({"fingerprint": fp})
    else:
        out(
            ctx.msg.t("inputs.key.show", fingerprint=fp)
            if fp
            else ctx.msg.t("inputs.key.show_none")
        )
    return 0
