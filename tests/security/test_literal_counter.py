"""Issue 11 on the counter screen and the app shell: office name, officer full name, the registry
file name and an earlier visit's reason are data; they are shown literally, never obeyed."""

from __future__ import annotations

from typing import Any

from counter.domain import outcomes as oc
from counter.domain.text import printable
from counter.services import accounts, visits
from counter.store.models import RegistryEntry, RegistryImport
from counter.tui.screens.login import LoginScreen
from tests.helpers.counter import NIK_OTHER, Keys, async_test, counter_app, open_counter, settle
from tests.security.screen_text import assert_clean, screen_text

OFFICE = "Disdukcapil [/bold] \x1b]0;pwned\x07Batang"
FULL_NAME = "Siti [/] \x1b[2J\u202eNur"
SOURCE = "ekstrak [lihat foto] \x1b[31m.csv"


def _registry(ctx: Any) -> None:
    with ctx.db.write() as s:
        imp = RegistryImport(source=SOURCE, imported_at=ctx.now())
        s.add(imp)
        s.flush()
        s.add(RegistryEntry(nik=NIK_OTHER, ikd_status=oc.NOT_ACTIVE, import_id=imp.id))


@async_test
async def test_counter_screen_shows_data_literally(make_ctx: Any, clock: Any) -> None:
    ctx = make_ctx({"office.name": OFFICE})
    siti = accounts.create_officer(ctx, "siti", "135790", role="officer", full_name=FULL_NAME)
    _registry(ctx)
    v = visits.start_visit(ctx, siti, NIK_OTHER, name="[/]")
    clock.advance(seconds=60)
    visits.finish_visit(
        ctx, v.id, oc.FAILED, "[/bold]\x1b[2J", note="HP rusak [lihat foto]", officer_id=siti.id
    )
    app = counter_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_counter(pilot, siti)
        text = screen_text(app)
        assert_clean(text)
        assert printable(OFFICE) in text and printable(FULL_NAME) in text
        keys = Keys(pilot)
        await keys.nik(NIK_OTHER)
        await keys("enter")
        await settle(pilot, 4)
        text = screen_text(app)
        assert_clean(text)
        assert printable(SOURCE) in text
        assert printable("[/bold]\x1b[2J") in text  # the earlier visit's reason, as recorded
        await keys("f3")
        await settle(pilot)
        assert_clean(screen_text(app))
        assert app.is_running and screen is app.screen


@async_test
async def test_welcome_and_login_show_names_literally(make_ctx: Any) -> None:
    ctx = make_ctx({"office.name": OFFICE})
    siti = accounts.create_officer(ctx, "siti", "135790", role="officer", full_name=FULL_NAME)
    app = counter_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, 3)
        assert isinstance(app.screen, LoginScreen)
        text = screen_text(app)
        assert_clean(text)
        assert printable(OFFICE) in text
        notes: list[str] = []  # every notice as shown (a toast may expire before we look)
        add = app._notifications.add
        app._notifications.add = lambda n: (notes.append(n.message), add(n))[1]
        app.login_done(siti)
        for _ in range(200):  # the welcome comes from a worker thread: wait for it, not a time
            await settle(pilot)
            if notes:
                break
        assert any(printable(FULL_NAME) in m for m in notes), notes
        assert_clean(screen_text(app))
        assert app.is_running
