"""Issue 14 (office): words, not codes, and numbers/dates in the reader's form, in the app."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.protocol import cached_protocol
from counter.tui.app import make_app
from counter.tui.formats import fmt_date, fmt_dec, fmt_int, parse_date
from counter.tui.screens.supervisor import (
    DailyLogScreen,
    SupervisorHome,
    TextPrompt,
    VisitDetailScreen,
)
from counter.tui.widgets.charts import BigCount
from counter.tui.widgets.literal import DataTable, Static
from counter.tui.words import reason_text
from tests.helpers.pilot import async_test, settle, until
from tests.helpers.pilot import enter_as as login
from tests.helpers.supervisor import DAY, SIZE, build, table_rows

# --- the helper -------------------------------------------------------------------------------


def test_fmt_int_uses_dots_in_indonesian_and_commas_in_english() -> None:
    assert fmt_int(44639, "id") == "44.639"
    assert fmt_int(189323, "id") == "189.323"
    assert fmt_int(1234567, "id") == "1.234.567"
    assert fmt_int(999, "id") == "999"
    assert fmt_int(-1004, "id") == "-1.004"
    assert fmt_int(44639, "en") == "44,639"


def test_fmt_dec_swaps_the_separators_in_indonesian() -> None:
    assert fmt_dec(37.5, "id") == "37,5"
    assert fmt_dec(1234.25, "id", 2) == "1.234,25"
    assert fmt_dec(37.5, "en") == "37.5"


def test_fmt_date_is_day_first_in_indonesian() -> None:
    assert fmt_date(date(2026, 11, 30), "id") == "30-11-2026"
    assert fmt_date(date(2026, 1, 5), "id") == "05-01-2026"
    assert fmt_date(date(2026, 11, 30), "en") == "2026-11-30"
    assert fmt_date(None, "id") == "-"


@pytest.mark.parametrize("text", ["30-11-2026", "2026-11-30", " 30/11/2026 ", "30.11.2026"])
def test_parse_date_accepts_both_orders(text: str) -> None:
    assert parse_date(text) == date(2026, 11, 30)


@pytest.mark.parametrize(
    "text", ["", "31-11-2026", "2026-13-01", "11-30-2026", "kemarin", "30-11-26", "2026-11-30x"]
)
def test_parse_date_refuses_what_is_not_a_day(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(["id", "en"]))
def test_parse_reads_back_what_fmt_wrote(d: date, lang: str) -> None:
    assert parse_date(fmt_date(d, lang)) == d


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fmt_int_reads_back(n: int) -> None:
    assert int(fmt_int(n, "id").replace(".", "")) == n


def test_reason_text_knows_the_apps_own_reasons() -> None:
    proto = cached_protocol(None)
    assert reason_text(proto, "interrupted", "id") == "Terputus (petugas meninggalkan kunjungan)"
    assert (
        reason_text(proto, "email_not_received", "id")
        == proto.reason_text("email_not_received", "id")
        != "email_not_received"
    )
    assert reason_text(proto, "no_such_code", "id") == "no_such_code"
    assert reason_text(proto, None, "id") == ""


# --- the screens ------------------------------------------------------------------------------


@pytest.fixture
def fx(ctx, clock):  # noqa: ANN001, ANN201
    return build(ctx, clock)


@async_test
async def test_supervisor_home_in_indonesian_writes_dates_and_numbers_the_indonesian_way(
    ctx, fx
) -> None:  # noqa: ANN001
    assert ctx.settings.lang == "id"
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        assert isinstance(home, SupervisorHome)
        await until(pilot, lambda: "27-11-2026" in str(home.query_one("#sup-title").render()))
        assert "2026-11-27" not in str(home.query_one("#sup-title").render())
        target = str(home.query_one("#target-text", Static).render())
        assert "1.004" in target and "3.000" in target and "1,004" not in target
        needed = str(home.query_one("#target-needed", Static).render())
        assert "31-12-2026" in needed
        big = {w.id: w.value for w in home.query(BigCount)}
        assert big["big-conversion"] == "37,5"


@async_test
async def test_day_prompt_shows_and_accepts_day_first(ctx, fx) -> None:  # noqa: ANN001
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        await pilot.press("d")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        from textual.widgets import Input

        box = prompt.query_one(Input)
        assert box.value == "27-11-2026"
        box.value = "26-11-2026"
        await pilot.press("enter")
        await settle(pilot)
        assert home.day == date(2026, 11, 26)
        await pilot.press("d")
        await settle(pilot)
        app.screen.query_one(Input).value = "2026-11-25"
        await pilot.press("enter")
        await settle(pilot)
        assert home.day == date(2026, 11, 25)
        await pilot.press("d")
        await settle(pilot)
        app.screen.query_one(Input).value = "31-02-2026"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)  # refused, stays open
        assert home.day == date(2026, 11, 25)


@async_test
async def test_daily_log_and_detail_show_words_not_codes(ctx, fx) -> None:  # noqa: ANN001
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, fx.kasi)
        app.push_screen(DailyLogScreen(DAY))
        await settle(pilot)
        log = app.screen
        table = log.query_one("#log-table", DataTable)
        await until(pilot, lambda: table.row_count == 11)
        text = " ".join(" ".join(r) for r in table_rows(table))
        for code in ("PENDING", "ACTIVATED", "FAILED", "email_not_received", "pending", "open"):
            assert code not in text.split(), code
        assert "Tertunda" in text and "Gagal" in text
        proto = cached_protocol(None)
        assert proto.reason_text("email_not_received", "id") in text
        assert "27-11-2026" in str(log.query_one(".title-bar", Static).render())
        row = next(i for i, r in enumerate(table_rows(table)) if "Gagal" in r)
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, VisitDetailScreen)
        head = str(detail.query_one("#detail-head", Static).render())
        assert "Gagal" in head and "FAILED" not in head
        assert "27-11-2026" in head


def test_cli_officer_list_prints_role_words_and_json_keeps_codes(tmp_path) -> None:  # noqa: ANN001
    from tests.cli.test_cli_core import run

    db = str(tmp_path / "c.db")
    assert run("--db", db, "init", "--username", "kasi", stdin="246802\n").returncode == 0
    as_kasi = ("--as", "kasi")
    assert (
        run("--db", db, "officer", "add", "siti", *as_kasi, stdin="246802\n135790\n").returncode
        == 0
    )
    assert run("--db", db, "officer", "disable", "siti", *as_kasi, stdin="246802\n").returncode == 0
    r = run("--db", db, "officer", "list", *as_kasi, stdin="246802\n")
    assert r.returncode == 0, r.stderr
    siti = next(line for line in r.stdout.splitlines() if line.startswith("siti"))
    assert "petugas" in siti and "officer" not in siti
    assert "[nonaktif]" in siti and "disabled" not in siti
    r = run("--lang", "en", "--db", db, "officer", "list", *as_kasi, stdin="246802\n")
    siti = next(line for line in r.stdout.splitlines() if line.startswith("siti"))
    assert "officer" in siti and "[disabled]" in siti and "nonaktif" not in siti
    r = run("--db", db, "officer", "list", "--json", *as_kasi, stdin="246802\n")
    roles = {o["username"]: o["role"] for o in json.loads(r.stdout)["officers"]}
    assert roles == {"kasi": "supervisor", "siti": "officer"}
