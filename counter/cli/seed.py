"""``ikd-counter seed-demo``: deterministic sample data for demos and benchmarks."""

from __future__ import annotations

import argparse

from counter.cli.common import CliError, context_from_args, print_json
from counter.cli.output import out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "seed-demo",
        help="fill an empty database with deterministic sample data",
        description="Only on a database without accounts, visits or registry "
        "rows: it makes demo accounts with well-known PINs.",
    )
    p.add_argument("--registry", type=int, default=5000, help="registry NIKs (default 5000)")
    p.add_argument("--visits", type=int, default=1500, help="visits (default 1500)")
    p.add_argument("--days", type=int, default=30, help="calendar days ending today (default 30)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--no-events",
        action="store_true",
        help="skip the visits' step events (faster for very large seeds)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_seed_demo)


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from counter.cli.progress import ProgressBar
    from counter.services.accounts import count_officers
    from counter.services.seed import seed_demo

    ctx = context_from_args(args, create=True)
    t = ctx.msg
    accounts = count_officers(ctx)
    if accounts:  # its demo accounts' PINs are in the README: never next to real ones
        raise CliError(t("auth.seed_has_accounts", count=accounts))
    bar = ProgressBar(t("seed.working"))
    try:
        summary = seed_demo(
            ctx,
            registry=args.registry,
            visits=args.visits,
            days=args.days,
            seed=args.seed,
            events=not args.no_events,
            progress=bar,
        )
    finally:
        bar.close()
    if args.json:
        print_json(summary)
        return 0
    out(t("seed.done", **summary))
    out(t("seed.officers", officers=", ".join(summary["officers"])))
    out(t("seed.outcomes", outcomes=", ".join(f"{k} {v}" for k, v in summary["outcomes"].items())))
    return 0
