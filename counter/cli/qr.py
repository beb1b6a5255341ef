"""`ikd-counter qr install|activation|help [--data TEXT] [-o FILE.png|.svg|.pdf]` and
`ikd-counter slip VISIT_ID [--paper 80mm|a6] [--print]` (make or reprint a resident's slip)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counter.cli.common import CliError, print_json, settings_from_args
from counter.cli.output import out, out_drawing, out_err


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("qr", help="show or save a QR code (install, activation, help)")
    p.add_argument(
        "kind",
        choices=["install", "activation", "help"],
        help="install: the genuine app's store page; activation: the central "
        "system's activation payload; help: the office's contact",
    )
    p.add_argument("--data", help="text to encode instead of the configured payload")
    p.add_argument("--ios", action="store_true", help="install: the App Store link (iPhone)")
    p.add_argument(
        "-o",
        "--output",
        help="write FILE.png, FILE.svg or FILE.pdf instead of printing the QR to the terminal",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_qr)

    p = sub.add_parser("slip", help="make (and print) the resident's slip of a visit")
    p.add_argument("visit_id")
    p.add_argument("--paper", choices=["80mm", "a6"], help="default: print.paper setting")
    p.add_argument(
        "--print",
        action="store_true",
        dest="do_print",
        help="send it to the printer (print.command / print.escpos)",
    )
    p.add_argument("-o", "--out-dir", help="folder for the PDF (default: the slips folder)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_slip)


def cmd_qr(args: argparse.Namespace) -> int:
    from counter.i18n import catalog
    from counter.services import qr

    settings = settings_from_args(args)
    msg = catalog(settings.lang)
    kind = "install_ios" if args.kind == "install" and args.ios else args.kind
    try:
        p = qr.payload(settings, kind, args.data)
        if args.output:
            path = qr.write_file(p.text, Path(args.output), caption=msg.t(f"qr.kind_{kind}"))
            if args.json:
                print_json({"kind": kind, "payload": p.text, "file": str(path)})
            else:
                out(msg.t("qr.saved", file=str(path)))
            return 0
        m = qr.matrix(p.text)
    except qr.QrError as e:
        raise CliError(e.message(settings.lang)) from None
    if args.json:
        print_json(
            {"kind": kind, "payload": p.text, "modules": len(m), "lines": qr.to_half_blocks(m)}
        )
        return 0
    drawing = qr.to_ansi(m) if sys.stdout.isatty() else "\n".join(qr.to_half_blocks(m))
    out_drawing(drawing)
    out(p.text)
    return 0


def cmd_slip(args: argparse.Namespace) -> int:
    from counter.cli.common import context_from_args
    from counter.services import printing, slip
    from counter.services.qr import QrError

    ctx = context_from_args(args)
    lang = ctx.settings.lang
    try:
        path = slip.make_slip(
            ctx,
            args.visit_id,
            paper=args.paper,
            out_dir=Path(args.out_dir) if args.out_dir else None,
        )
    except (slip.SlipError, QrError) as e:
        ctx.db.dispose()
        raise CliError(e.message(lang)) from None
    result = None
    if args.do_print:
        if ctx.settings.printing.escpos.strip():
            result = printing.print_escpos(ctx, args.visit_id, kept_file=path)
        else:
            result = printing.print_file(ctx.settings, path, lang)
    ctx.db.dispose()
    if args.json:
        print_json(
            {
                "visit_id": args.visit_id,
                "file": str(path),
                "printed": None if result is None else result.ok,
                "message": None if result is None else result.message,
            }
        )
    elif result is None:
        out(path)
    elif result.ok:
        out(result.message)
    else:  # a printer failure is an error: stderr, non-zero exit (the kept file is named in it)
        out_err(result.message)
    return 0 if result is None or result.ok else 1
