"""Pilot drives whole visits on the real app and checks the database rows, events and key counts."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.widgets import Checkbox, DataTable, Input, Static

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.services import visits
from counter.services.context import Context
from counter.tui.screens.counter import CounterScreen, NikInput
from tests.helpers.counter import (
    NIK_ACTIVE,
    NIK_NEW,
    NIK_OTHER,
    Keys,
    add_registry,
    async_test,
    counter_app,
    open_counter,
)

STEPS = ["install", "open_terms", "verify_data", "face", "qr_scan", "email_code", "set_pin"]


def events(ctx: Context, visit_id: str) -> list[tuple[str, str | None]]:
    return [(e.kind, e.step) for e in visits.timeline(ctx, visit_id)]


def only_visit(ctx: Context) -> Any:
    rows = visits.visits_of_day(ctx, ctx.today())
    assert len(rows) == 1, rows
    return rows[0]


def ready_for_next(screen: CounterScreen) -> None:
    nik = screen.query_one("#nik-input", NikInput)
    assert screen.phase == "nik"
    assert nik.value == "" and screen.app.focused is nik
    assert screen.visit_id is None


def text_of(screen: CounterScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@async_test
async def test_express_path_already_active(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE, date(2025, 3, 1))
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_ACTIVE)
        assert "Wonotunggal" in text_of(screen, "#nik-msg")
        await keys("enter")
        assert screen.phase == "status"
        assert "SUDAH AKTIF" in text_of(screen, "#status-ikd")
        await keys("enter")
        ready_for_next(screen)
        assert keys.digits == 16 and keys.other <= 3, keys.other
        assert "1 sudah aktif" in text_of(screen, "#counter-header")
    v = only_visit(ctx)
    assert (v.outcome, v.reason, v.nik, v.officer_id) == (
        oc.ALREADY_ACTIVE,
        None,
        NIK_ACTIVE,
        officer.id,
    )
    assert v.ikd_status_found == oc.ACTIVE and v.ended_at is not None
    assert events(ctx, v.id) == [("start", "status"), ("outcome", "done")]


@async_test
async def test_full_activation_within_budget(ctx: Context, officer: Any, clock: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter")  # check NIK -> status (unknown)
        assert screen.phase == "status"
        await keys("enter")  # start assisted activation
        assert screen.phase == "prereq"
        await keys("enter")  # all prerequisites present
        for step in STEPS:
            assert screen.phase == "step" and screen.proto.steps[screen.step_index].id == step
            clock.advance(seconds=60)
            await keys("enter")  # step done
        assert screen.phase == "outcome"
        assert "Berhasil diaktifkan" in text_of(screen, "#outcome-text")
        await keys("enter")  # save
        ready_for_next(screen)
        assert keys.digits == 16 and keys.other <= 15, keys.other
    v = only_visit(ctx)
    assert v.outcome == oc.ACTIVATED and v.reason is None
    assert v.handling_seconds == 7 * 60
    ev = events(ctx, v.id)
    assert ev == (
        [("start", "prereq"), ("prereq", "install")]
        + [("step", s) for s in STEPS[1:]]
        + [("step", "outcome"), ("outcome", "done")]
    )
    steps = [e for e in visits.timeline(ctx, v.id) if e.kind == "step"]
    assert [e.data["done"] for e in steps] == STEPS
    assert all(e.data["seconds"] == 60 for e in steps)


@async_test
async def test_details_name_phone_with_consent_and_purpose(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_ACTIVE)
        phone = screen.query_one("#phone-input", Input)
        assert phone.disabled  # no phone without consent
        await keys("tab")
        await keys.text("Budi Santoso")
        await keys("tab", "space")  # consent
        assert screen.query_one("#consent", Checkbox).value and not phone.disabled
        await keys("tab")
        await keys.text("0812345")  # too short
        await keys("enter")
        assert screen.phase == "nik"
        assert "8-15" in text_of(screen, "#phone-msg")
        await keys.text("678")
        await keys("tab", "enter")  # purpose list opens
        await keys("down", "enter")  # first purpose
        assert screen.query_one("#purpose").value == "ikd_aktivasi"
        await keys("shift+tab")
        await keys("enter")  # check NIK from the phone field
        assert screen.phase == "status"
        await keys("enter")
        ready_for_next(screen)
        assert not screen.query_one("#consent", Checkbox).value
    v = only_visit(ctx)
    assert (v.name, v.phone, v.consent_contact, v.purpose) == (
        "Budi Santoso",
        "0812345678",
        True,
        "ikd_aktivasi",
    )


@async_test
async def test_nik_errors_block_the_visit(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik("33259")
        assert "5/16" in text_of(screen, "#nik-msg")
        await keys.nik("9")  # district 33.25.99 does not exist
        assert "33.25.99" in text_of(screen, "#nik-msg")
        assert screen.query_one("#nik-msg").has_class("error")
        await keys("enter")
        assert screen.phase == "nik" and "16" in text_of(screen, "#nik-msg")
        nik = screen.query_one("#nik-input", NikInput)
        await keys.nik("abc-")  # letters are refused
        assert nik.value == "332599"
        nik.value = ""
        nik.insert_text_at_cursor("3325 0141-0190.0001")  # pasted with separators
        await pilot.pause()
        assert nik.value == NIK_ACTIVE
        nik.value = "3325013202900001"  # 32 February
        await pilot.pause()
        await keys("enter")
        assert screen.phase == "nik" and "320290" in text_of(screen, "#nik-msg")
        nik.value = NIK_ACTIVE[:4] + "01" + "01" + "13" + "90" + "0001"  # month 13
        await pilot.pause()
        assert screen.query_one("#nik-msg").has_class("error")
        nik.value = "3374015508050003"  # Semarang city, born 15-08-2005, female
        await pilot.pause()
        msg = text_of(screen, "#nik-msg")
        assert "Di luar Kab. Batang" in msg and "15-08-2005" in msg and "perempuan" in msg
        assert "21 tahun" in msg  # 2005, not 1905
    assert visits.visits_of_day(ctx, ctx.today()) == []


@async_test
async def test_problem_with_remedy_then_retry_and_success(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_NEW, oc.NOT_ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter")
        await keys("enter", "enter", "enter")  # install, open_terms, verify_data
        assert screen.proto.steps[screen.step_index].id == "face"
        await keys("p")
        picker = app.screen
        assert type(picker).__name__ == "ProblemPicker"
        remedy = str(picker.query_one("#picker-remedy", Static).render())
        assert "cahaya" in remedy  # face_fail remedy, highlighted first
        await keys("enter")  # choose face_fail
        assert app.screen is screen and screen.problem == "face_fail"
        box = text_of(screen, "#step-problem")
        assert "Verifikasi wajah / liveness gagal" in box and "Solusi" in box
        await keys("enter")  # retry
        assert screen.problem is None and screen.proto.steps[screen.step_index].id == "face"
        # a second problem on a later step: continue anyway
        await keys("enter")  # face done
        await keys("p", "2")  # qr_scan: the second problem by its number, server_down
        assert screen.problem == "server_down"
        await keys("c")  # continue anyway
        assert screen.proto.steps[screen.step_index].id == "email_code"
        await keys("enter", "enter", "enter")  # email_code, set_pin, save
        ready_for_next(screen)
    v = only_visit(ctx)
    assert v.outcome == oc.ACTIVATED
    ev = visits.timeline(ctx, v.id)
    kinds = [(e.kind, e.step, e.data.get("problem")) for e in ev]
    assert ("problem", "face", "face_fail") in kinds
    assert ("retry", "face", "face_fail") in kinds
    assert ("problem", "qr_scan", "server_down") in kinds
    cont = [e for e in ev if e.kind == "step" and e.data.get("after_problem")]
    assert [(e.data["done"], e.data["after_problem"]) for e in cont] == [("qr_scan", "server_down")]


@async_test
async def test_problem_ends_visit_pending_with_reason_and_note(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter")
        for _ in range(5):
            await keys("enter")
        assert screen.proto.steps[screen.step_index].id == "email_code"
        await keys("p", "enter")  # email_not_received
        await keys("t")  # end: PENDING
        assert screen.phase == "outcome"
        assert "Tertunda" in text_of(screen, "#outcome-text")
        assert "Email kode aktivasi tidak diterima" in text_of(screen, "#outcome-reason")
        await keys.text("cek spam")
        await keys("enter")
        ready_for_next(screen)
    v = only_visit(ctx)
    assert (v.outcome, v.reason, v.note) == (oc.PENDING, "email_not_received", "cek spam")
    assert ("choose_outcome", "outcome") in events(ctx, v.id)


@async_test
async def test_back_keys_record_events(ctx: Context, officer: Any) -> None:
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter", "enter")  # at open_terms
        await keys("escape")
        assert screen.proto.steps[screen.step_index].id == "install"
        await keys("escape")
        assert screen.phase == "prereq"
        await keys("enter")
        assert screen.phase == "step"
        await keys("r")  # REFERRED is refused without a problem chosen
        assert screen.phase == "step"
    v = only_visit(ctx)
    assert v.ended_at is None and v.current_step == "install"
    assert [k for k in events(ctx, v.id) if k[0] == "back"] == [
        ("back", "install"),
        ("back", "prereq"),
    ]


@async_test
async def test_not_eligible_with_missing_prerequisite(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_NEW, oc.NOT_ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter")
        assert screen.phase == "prereq"
        await keys("down", "space")  # smartphone missing
        assert screen.missing == {"smartphone"}
        assert "anggota keluarga" in text_of(screen, "#prereq-remedy")
        await keys("4", "4")  # email toggled twice: present again
        assert screen.missing == {"smartphone"}
        await keys("enter")
        assert screen.phase == "outcome"
        assert "Belum memenuhi syarat" in text_of(screen, "#outcome-text")
        await keys("enter")
        ready_for_next(screen)
    v = only_visit(ctx)
    assert (v.outcome, v.reason) == (oc.NOT_ELIGIBLE, "smartphone")
    prereq = [e for e in visits.timeline(ctx, v.id) if e.kind == "prereq"]
    assert prereq[0].data == {"missing": ["smartphone"]}


@async_test
async def test_declined(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_NEW, oc.NOT_ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter")
        assert "belum aktif" in text_of(screen, "#status-ikd")
        await keys("t")
        assert screen.phase == "outcome"
        await keys("enter")
        ready_for_next(screen)
        assert keys.other == 3
    v = only_visit(ctx)
    assert (v.outcome, v.reason) == (oc.DECLINED, None)
    assert events(ctx, v.id) == [
        ("start", "outcome"),
        ("choose_outcome", "outcome"),
        ("outcome", "done"),
    ]


@async_test
async def test_history_of_earlier_attempts_is_listed(
    ctx: Context, officer: Any, clock: Any
) -> None:
    v = visits.start_visit(ctx, officer, NIK_NEW)
    visits.finish_visit(ctx, v.id, oc.FAILED, "email_not_received", officer_id=officer.id)
    clock.advance(days=1)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter")
        hist = text_of(screen, "#status-history")
        assert "27-11-2026 09:00 · Gagal: Email kode aktivasi tidak diterima" in hist


@async_test
async def test_today_panel_lists_masked_visits(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    add_registry(ctx, NIK_OTHER, oc.NOT_ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_ACTIVE)
        await keys("enter", "enter")
        await keys.nik(NIK_OTHER)
        await keys("enter", "t", "enter")
        assert not screen.query_one("#today").display
        await keys("f3")
        assert screen.query_one("#today").display
        table = screen.query_one("#today-table", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [r[1] for r in rows] == [nikmod.mask(NIK_OTHER), nikmod.mask(NIK_ACTIVE)]
        assert [r[2] for r in rows] == ["Menolak", "Sudah aktif"]
        assert all(NIK_ACTIVE not in str(r) for r in rows)
        assert app.focused is screen.query_one("#nik-input")  # typing goes on
        await keys("f3")
        assert not screen.query_one("#today").display


@async_test
async def test_english_mode(tmp_path: Any, clock: Any, make_ctx: Any) -> None:
    from counter.services import accounts

    ctx = make_ctx({"ui.lang": "en"}, name="en.db")
    officer = accounts.create_officer(ctx, "budi", "135790", role="officer")
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE, date(2025, 3, 1))
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_ACTIVE[:15])
        await keys("enter")
        assert text_of(screen, "#nik-msg") == "A NIK has 16 digits; 15 were typed."
        await keys.nik(NIK_ACTIVE[15])
        assert "born 01-01-1990 · female · 36 years" in text_of(screen, "#nik-msg")
        await keys("enter")
        assert "IKD ALREADY ACTIVE since 01-03-2025" in text_of(screen, "#status-ikd")
        footer = {b.binding.description for b in screen.active_bindings.values()}
        assert "Record active" in footer and "Declined" in footer
        await keys("enter")
        ready_for_next(screen)
        assert "Today: 1 visits" in text_of(screen, "#counter-header")
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter")
        assert "Step 1/7: Install the IKD app" in str(screen.query_one("#step-title").render())
        await keys("p")
        assert "Phone unsupported" in str(
            app.screen.query_one("OptionList").get_option_at_index(0).prompt
        )
        await keys("escape")
        assert app.screen is screen
    rows = visits.visits_of_day(ctx, ctx.today())
    assert [r.outcome for r in rows] == [oc.ALREADY_ACTIVE, None]


def test_every_binding_is_shown_with_a_text_and_uses_portable_keys() -> None:
    portable = (
        {chr(c) for c in range(ord("a"), ord("z") + 1)}
        | {str(d) for d in range(10)}
        | {f"f{n}" for n in range(1, 11)}
        | {"enter", "escape", "space", "up", "down", "left", "right", "tab", "shift+tab"}
    )
    from counter.tui.screens.counter import _KEY_TEXTS

    for b in CounterScreen.BINDINGS:
        assert b.key in portable, b.key  # type: ignore[union-attr]
        if b.show:  # type: ignore[union-attr]
            assert b.id in _KEY_TEXTS, b.id  # type: ignore[union-attr]


@async_test
async def test_qr_steps_install_and_pasted_activation(ctx: Context, officer: Any) -> None:
    from counter.tui.widgets.qr import QrCode, QrScreen

    app = counter_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter")
        qr = screen.query_one("#step-qr", QrCode)
        assert qr.display and qr.payload == ctx.settings.qr.install_android
        await keys("f")  # enlarge for the resident's phone
        assert isinstance(app.screen, QrScreen)
        await keys("escape")
        assert app.screen is screen
        await keys("enter", "enter", "enter", "enter")  # -> qr_scan
        assert screen.proto.steps[screen.step_index].id == "qr_scan"
        assert not qr.display  # no activation QR configured
        await keys("v")
        assert app.focused is screen.query_one("#qr-payload")
        await keys.text("SIAK-ACT-123")  # a barcode scanner types the payload and Enter
        await keys("enter")
        assert qr.display and qr.payload == "SIAK-ACT-123"
        assert app.focused is screen.query_one("#step")
        await keys("enter")
        assert screen.proto.steps[screen.step_index].id == "email_code"
        visit_id = screen.visit_id
    ev = [e for e in visits.timeline(ctx, visit_id) if e.kind == "qr_shown"]  # type: ignore[arg-type]
    assert [(e.step, e.data) for e in ev] == [
        ("qr_scan", {"qr": "activation", "source": "entered"})
    ]
    assert "SIAK-ACT-123" not in str([e.data for e in visits.timeline(ctx, visit_id)])  # type: ignore[arg-type]


@async_test
async def test_configured_activation_qr_is_shown(tmp_path: Any, clock: Any, make_ctx: Any) -> None:
    from counter.services import accounts
    from counter.tui.widgets.qr import QrCode

    ctx = make_ctx({"qr.activation": "OFFICE-QR-PAYLOAD"}, name="q.db")
    officer = accounts.create_officer(ctx, "budi", "135790", role="officer")
    app = counter_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter", "enter", "enter", "enter", "enter")
        assert screen.proto.steps[screen.step_index].id == "qr_scan"
        qr = screen.query_one("#step-qr", QrCode)
        assert qr.display and qr.payload == "OFFICE-QR-PAYLOAD"
        assert not screen.query_one("#qr-payload").display
        footer = {b.binding.action for b in screen.active_bindings.values()}
        assert "enlarge_qr" in footer and "paste_qr" not in footer


@async_test
async def test_print_slip_key_saves_then_prints(tmp_path: Any, clock: Any, make_ctx: Any) -> None:
    from counter.services import accounts

    printed = tmp_path / "printed.pdf"
    ctx = make_ctx({"print.command": f"cp {{file}} {printed}"}, name="p.db")
    officer = accounts.create_officer(ctx, "budi", "135790", role="officer")
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter", "t")
        await keys("f6")  # save + print slip
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        ready_for_next(screen)
    assert printed.exists() and printed.read_bytes().startswith(b"%PDF")
    (v,) = visits.visits_of_day(ctx, ctx.today())
    assert v.outcome == oc.DECLINED


@async_test
async def test_refused_write_is_shown_and_nothing_moves(
    ctx: Context, officer: Any, supervisor: Any
) -> None:
    from counter.services import dayclose

    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    dayclose.close_day(ctx, ctx.today(), supervisor, backup=False)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_ACTIVE)
        await keys("enter", "enter")  # refused at its start: the day is closed
        assert screen.phase == "status" and screen.visit_id is None
        shown = [n.message for n in app._notifications]
        assert any("ditutup" in m and "supervisor" in m for m in shown), shown
    assert visits.visits_of_day(ctx, ctx.today()) == []  # nothing opened inside the closed day


@async_test
async def test_other_status_keys_and_nik_fixed_once_recorded(ctx: Context, officer: Any) -> None:
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        # registry says active, but the resident lost the phone: "s" starts an activation
        await keys.nik(NIK_ACTIVE)
        await keys("enter", "s")
        assert screen.phase == "prereq"
        await keys("escape")
        assert screen.phase == "status"
        await keys("escape")  # refused: the visit is recorded, its NIK cannot change
        assert screen.phase == "status"
        await keys("t", "enter")
        ready_for_next(screen)
        # unknown in the registry, but the resident shows an active app: "a"
        await keys.nik(NIK_NEW)
        await keys("enter")
        await keys("escape")  # nothing recorded yet: back to the NIK field, still filled
        assert screen.phase == "nik"
        assert screen.query_one("#nik-input", NikInput).value == NIK_NEW
        await keys("enter", "a")
        ready_for_next(screen)
    rows = visits.visits_of_day(ctx, ctx.today())
    assert [(r.nik, r.outcome) for r in rows] == [
        (NIK_ACTIVE, oc.DECLINED),
        (NIK_NEW, oc.ALREADY_ACTIVE),
    ]


@async_test
async def test_broken_protocol_file_is_shown_on_the_counter(
    tmp_path: Any, clock: Any, make_ctx: Any
) -> None:
    from counter.domain.protocol import DEFAULT_FILE
    from counter.services import accounts

    broken = tmp_path / "protocol.toml"
    broken.write_text(
        DEFAULT_FILE.read_text("utf-8").replace('outcome = "PENDING"', 'outcome = "LATER"', 1),
        "utf-8",
    )
    ctx = make_ctx({"protocol.file": str(broken)}, name="b.db")
    officer = accounts.create_officer(ctx, "budi", "135790", role="officer")
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        shown = " ".join(str(w.render()) for w in screen.query(Static))
        assert str(broken) in shown and "problems.server_down.outcome" in shown
        assert "line " in shown
        assert not screen.query(NikInput)
        await pilot.press(*"3325", "enter")
        assert visits.visits_of_day(ctx, ctx.today()) == []


@async_test
async def test_visits_on_sqlite_and_postgresql(any_ctx: Context, clock: Any) -> None:
    """The same key sequence records the same rows on both databases."""
    from counter.services import accounts

    ctx = any_ctx
    officer = accounts.create_officer(ctx, "siti", "135790", role="officer")
    add_registry(ctx, NIK_ACTIVE, oc.ACTIVE)
    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_ACTIVE)
        await keys("enter", "enter")
        clock.advance(minutes=2)
        await keys.nik(NIK_NEW)
        await keys("enter", "enter", "enter", *["enter"] * 7, "enter")
        ready_for_next(screen)
    rows = visits.visits_of_day(ctx, ctx.today())
    assert [(r.nik, r.outcome) for r in rows] == [
        (NIK_ACTIVE, oc.ALREADY_ACTIVE),
        (NIK_NEW, oc.ACTIVATED),
    ]
    # start, prerequisites, 7 steps, outcome
    assert len(visits.timeline(ctx, rows[1].id)) == 10
