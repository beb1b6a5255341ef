"""The TUI's command line: flags before or after the sub-command; the demo accounts work."""

from __future__ import annotations

import argparse

from counter.cli import build_parser
from counter.cli.tui import demo_accounts, run_demo, run_tui, seed_for_demo
from counter.services import accounts


def test_flags_before_or_after_the_subcommand() -> None:
    p = build_parser()
    for argv in (["demo", "--lang", "en"], ["--lang", "en", "demo"]):
        ns = p.parse_args(argv)
        assert ns.func is run_demo and ns.lang == "en"
    ns = p.parse_args(["tui", "--db", "x.db", "--lang", "en"])
    assert ns.func is run_tui and (ns.db, ns.lang) == ("x.db", "en")
    ns = p.parse_args(["--db", "y.db", "tui"])
    assert ns.db == "y.db" and ns.lang is None
    assert getattr(p.parse_args([]), "func", None) is None  # bare: main() opens the TUI


def test_demo_accounts_shown_are_the_ones_seeded_and_they_log_in(ctx) -> None:  # noqa: ANN001
    seed_for_demo(ctx, argparse.Namespace(registry=50, visits=5, days=2, seed=3))
    shown = demo_accounts()
    assert ("kasi", "246802", "supervisor") in shown
    assert {("siti", "135790", "officer"), ("budi", "135791", "officer")} <= set(shown)
    roles = {o.username: o.role for o in accounts.list_officers(ctx)}
    for username, _pin, role in shown:
        assert roles[username] == role
    officer = accounts.authenticate(ctx, "siti", "135790")
    assert officer.username == "siti"
