"""`ikd-counter qr install|activation|help [--data TEXT] [-o FILE.png|.svg|.pdf]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counter.cli import CliError, print_json, settings_from_args


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("qr", help="show or save a QR code (install, activation, help)")
    p.add_argument("kind", choices=["install", "activation", "help"],
                   help="install: the genuine app's store page; activation: the central "
                        "system's activation payload; help: the office's contact")
    p.add_argument("--data", help="text to encode instead of the configured payload")
    p.add_argument("--ios", action="store_true", help="install: the App Store link (iPhone)")
    p.add_argument("-o", "--output", help="write FILE.png, FILE.svg or FILE.pdf instead of "
                                          "printing the QR to the terminal")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_qr)


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
                print(msg.t("qr.saved", file=str(path)))
            return 0
        m = qr.matrix(p.text)
    except qr.QrError as e:
        raise CliError(e.message(settings.lang)) from None
    if args.json:
        print_json({"kind": kind, "payload": p.text, "modules": len(m),
                    "lines": qr.to_half_blocks(m)})
        return 0
    drawing = qr.to_ansi(m) if sys.stdout.isatty() else "\n".join(qr.to_half_blocks(m))
    print(drawing)
    print(p.text)
    return 0
