"""The counter and the dashboard say when no central extract was imported, or how old it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter.services.context import Context
from counter.services.lookup import last_extract, lookup
from counter.services.registry import import_registry
from counter.tui.app import make_app
from tests.helpers.counter import NIK_NEW, Keys, counter_app, open_counter, settle
from tests.helpers.pilot import async_test, until
from tests.helpers.pilot import enter_as as login
from tests.helpers.supervisor import SIZE
from tests.services.test_coverage import ROWS1, extract


def test_last_extract_is_none_then_the_import_time(
    ctx: Context, clock: Any, tmp_path: Path
) -> None:
    assert last_extract(ctx) is None and lookup(ctx, NIK_NEW).extract_at is None
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1))
    at = last_extract(ctx)
    assert at is not None and at == clock.now
    assert lookup(ctx, NIK_NEW).extract_at == at
    assert "extract_at" not in lookup(ctx, NIK_NEW).to_json()  # the JSON contract is unchanged


async def _status_text(ctx: Context, officer: Any) -> tuple[Any, str]:
    """(app, the status view's IKD text) after typing a NIK that is not in the extract."""
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter")
        await settle(pilot)
        return app, str(screen.query_one("#status-ikd").render()).replace("\n", " ")


@async_test
async def test_counter_says_no_extract_then_its_age(
    ctx: Context, officer: Any, clock: Any, tmp_path: Path
) -> None:
    app, shown = await _status_text(ctx, officer)
    assert app.t("extract.none") in shown
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1))
    clock.advance(days=3)
    _, shown = await _status_text(ctx, officer)
    assert "Ekstrak pusat diimpor 27-11-2026 (3 hari lalu)" in shown


@async_test
async def test_dashboard_says_no_extract(ctx: Context, supervisor: Any) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, supervisor)
        await until(
            pilot,
            lambda: app.t("extract.none") in str(app.screen.query_one("#sup-status").render()),
        )
