"""The demo shows three sample NIKs, one per path of the counter, and each takes that path."""

from __future__ import annotations

from textual.widgets import Label

from counter.cli.tui import demo_accounts
from counter.domain import nik as nikmod
from counter.services.context import Context
from counter.services.demo import sample_niks
from counter.services.lookup import lookup
from counter.services.seed import seed_demo
from tests.helpers.shell import app_on, async_test, settle


def test_each_sample_nik_takes_its_path(ctx: Context) -> None:
    seed_demo(ctx, registry=300, visits=0, days=1, seed=3)
    samples = sample_niks(ctx)
    assert [kind for _, kind in samples] == ["active", "not_active", "unknown"]
    for nik, kind in samples:
        info, err = nikmod.check(nik, ctx.today())
        assert err is None and info is not None and info.in_batang and info.age(ctx.today()) >= 17
        assert lookup(ctx, nik).ikd_status == kind


@async_test
async def test_demo_login_lists_the_sample_niks(ctx: Context) -> None:
    seed_demo(ctx, registry=300, visits=0, days=1, seed=3)
    samples = sample_niks(ctx)
    app = app_on(ctx, demo_accounts=demo_accounts(), demo_niks=samples)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = [str(w.render()) for w in app.screen.query(".demo-nik").results(Label)]
        assert shown == [f"{nik} {app.t('demo.nik_' + kind)}" for nik, kind in samples]
        box = app.screen.query_one("#demo-box")
        assert box.region.bottom <= 23  # still fits above the footer at 80x24
