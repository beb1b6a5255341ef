"""The TUI from the command line: bare ``ikd-counter`` and ``ikd-counter demo``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from counter.cli.common import settings_from_args

if TYPE_CHECKING:
    from counter.services.context import Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tui", help="open the counter TUI (the same as no command)")
    p.add_argument("--db", default=argparse.SUPPRESS, help="as the global --db")
    p.add_argument(
        "--lang", choices=["id", "en"], default=argparse.SUPPRESS, help="as the global --lang"
    )
    p.set_defaults(func=run_tui)
    p = sub.add_parser("demo", help="the TUI on a throwaway database with demo officers and data")
    p.add_argument(
        "--lang", choices=["id", "en"], default=argparse.SUPPRESS, help="as the global --lang"
    )
    p.add_argument("--registry", type=int, default=2000, help="demo registry rows (default 2000)")
    p.add_argument("--visits", type=int, default=200, help="demo visits (default 200)")
    p.add_argument("--days", type=int, default=7, help="days of demo visits (default 7)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.set_defaults(func=run_demo)


def run_tui(args: argparse.Namespace) -> int:
    from counter.tui.app import make_app

    app = make_app(settings_from_args(args))
    app.run()
    return int(app.return_code or 0)


def run_demo(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from counter.config import load_settings
    from counter.services.context import make_context
    from counter.tui.app import make_app

    with tempfile.TemporaryDirectory(prefix="ikd-counter-demo-") as tmp:
        folder = Path(tmp)
        _remove_on_hangup(folder)
        overrides = {
            "database.url": str(folder / "demo.db"),
            "paths.data": str(folder / "data"),
            "ui.lang": getattr(args, "lang", None),
        }
        # The demo never reads or writes the real config file.
        settings = load_settings(folder / "config.toml", overrides=overrides)
        ctx = make_context(settings)
        try:
            seed_for_demo(ctx, args)
            from counter.services.demo import sample_niks

            app = make_app(
                settings, ctx=ctx, demo_accounts=demo_accounts(), demo_niks=sample_niks(ctx)
            )
            app.run()
        finally:
            ctx.db.dispose()
    return int(app.return_code or 0)


def _remove_on_hangup(folder: object) -> None:
    """Closing the terminal (SIGHUP) or a plain ``kill`` (SIGTERM) ends the process without the
    ``with`` block's clean-up: remove the throwaway folder (it holds the demo database) first."""
    import os
    import shutil
    import signal

    def _gone(signum: int, _frame: object) -> None:
        shutil.rmtree(str(folder), ignore_errors=True)
        os._exit(128 + signum)

    for sig in (signal.SIGHUP, signal.SIGTERM):
        if hasattr(signal, sig.name):
            signal.signal(sig, _gone)


def seed_for_demo(ctx: Context, args: argparse.Namespace) -> None:
    from counter.services.seed import seed_demo

    seed_demo(ctx, registry=args.registry, visits=args.visits, days=args.days, seed=args.seed)


def demo_accounts() -> list[tuple[str, str, str]]:
    """The accounts seed_demo makes, as (username, PIN, role)."""
    from counter.services import seed

    return [(seed.SUPERVISOR[0], seed.SUPERVISOR[1], "supervisor")] + [
        (o[0], o[1], "officer") for o in seed.OFFICERS
    ]
