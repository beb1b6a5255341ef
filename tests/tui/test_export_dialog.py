"""Pilot tests of the export dialog (key ``e`` on the supervisor home) on the hand-counted
fixture day 2026-11-27: 11 visits, 10 finished, 1 not finished (row 11)."""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from counter.services import audit, export, export_preview, report, visits
from counter.tui.app import make_app
from counter.tui.screens.export_dialog import ExportDialog
from counter.tui.screens.supervisor import SupervisorHome
from counter.tui.widgets.charts import BigCount
from counter.tui.widgets.literal import Select, Static
from tests.helpers.export import read_csv, read_xlsx
from tests.helpers.pilot import async_test, settle, until
from tests.helpers.pilot import enter_as as login
from tests.helpers.supervisor import DAY, build, nik

SMALL = (80, 24)
FIXED_FOLDER = Path("/srv/ikd/ekspor")  # snapshots: a folder that does not exist here


@pytest.fixture
def fx(ctx, clock):  # noqa: ANN001, ANN201
    return build(ctx, clock)


def text(dlg: ExportDialog, wid: str) -> str:
    return str(dlg.query_one(wid, Static).render())


async def open_dialog(pilot: Any, fx: Any) -> ExportDialog:
    await login(pilot, fx.kasi)
    await until(pilot, lambda: isinstance(pilot.app.screen, SupervisorHome))
    home = pilot.app.screen
    await until(pilot, lambda: home.report is not None)
    await pilot.press("e")
    await until(pilot, lambda: isinstance(pilot.app.screen, ExportDialog))
    dlg = pilot.app.screen
    await until(pilot, lambda: dlg.preview is not None)
    return dlg


async def set_folder(pilot: Any, dlg: ExportDialog, folder: Path) -> None:
    dlg.query_one("#exp-folder", Input).value = str(folder)
    await until(pilot, lambda: dlg.choice is not None and dlg.choice.folder == folder)


async def to_summary(pilot: Any, dlg: ExportDialog) -> None:
    await pilot.press("f2")
    await until(pilot, lambda: dlg.stage == "confirm")


async def write(pilot: Any, dlg: ExportDialog) -> Path:
    await pilot.press("y")
    await until(pilot, lambda: dlg.stage == "done")
    assert dlg.result is not None and dlg.result.path is not None
    return dlg.result.path


def nik_cells_xlsx(path: Path) -> list[Any]:
    ws = read_xlsx(path)[export.SHEET_VISITS]
    head = [c.value for c in ws[1]]
    col = head.index("NIK")
    cells = [row[col] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" and c.number_format == "@" for c in cells)  # NIK as text
    return [c.value for c in cells]


@async_test
async def test_day_to_xlsx_with_the_open_visit_warning_agreeing_with_the_tiles(
    ctx, fx, tmp_path: Path
) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        await until(pilot, lambda: home.report is not None)
        tiles = home.query_one("#big-visits", BigCount).value
        unfinished = home.report.unfinished
        assert (tiles, unfinished) == ("11", 1)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dlg = app.screen
        assert dlg.query_one("#exp-range", Select).value == "date"
        await set_folder(pilot, dlg, tmp_path / "out")
        await to_summary(pilot, dlg)
        p = dlg.preview
        assert (p.visits, p.open, p.rows) == (11, 1, 10)
        assert str(p.visits) == tiles and p.open == unfinished  # the dashboard's numbers
        summary = text(dlg, "#exp-summary")
        assert "27-11-2026: 11 kunjungan" in summary and "10 kunjungan selesai" in summary
        assert "belum ada; akan dibuat" in summary  # the folder is made when written
        warning = text(dlg, "#exp-warning")
        assert "1 kunjungan belum selesai" in warning and "belum final" in warning
        assert "tulis tanpa 1 kunjungan" in text(dlg, "#exp-hint")
        assert not list(tmp_path.glob("out/*"))  # nothing written before the y
        path = await write(pilot, dlg)
        assert path.parent == tmp_path / "out" and path.suffix == ".xlsx"
        assert text(dlg, "#exp-path") == str(path)  # in full, wrapped if long
        assert "10 kunjungan ditulis" in text(dlg, "#exp-summary")
        assert not dlg.query_one("#exp-folder", Input).parent.display  # the path gets the room
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == str(path)
        assert "sudah disalin" in text(dlg, "#exp-hint")
        await settle(pilot, 2)
        assert isinstance(app.screen, ExportDialog)  # stays until read
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, SupervisorHome))
    niks = nik_cells_xlsx(path)
    assert len(niks) == 10
    assert all(isinstance(n, str) and len(n) == 16 for n in niks)  # NIK as text
    assert sorted(niks) == sorted(nik(i) for i in range(1, 11))
    batches = export.batches(ctx)
    assert [(b.rows, b.mode, b.file_path) for b in batches] == [(10, "date", str(path))]
    assert [a.action for a in audit.recent(ctx) if a.action == "export"]


@async_test
async def test_range_to_csv_in_english(ctx, fx, tmp_path: Path) -> None:
    ctx.settings = replace(ctx.settings, lang="en")
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        dlg = await open_dialog(pilot, fx)
        assert dlg.query_one("#exp-range", Select).value == "date"
        dlg.query_one("#exp-range", Select).value = "range"
        dlg.query_one("#exp-format", Select).value = "csv"
        await settle(pilot)
        assert not dlg.query_one("#exp-dates").has_class("-hidden")
        dlg.query_one("#exp-from", Input).value = "2026-11-26"
        dlg.query_one("#exp-to", Input).value = "2026-11-27"
        await set_folder(pilot, dlg, tmp_path / "csv")
        await to_summary(pilot, dlg)
        p = dlg.preview
        assert (p.visits, p.open, p.rows) == (13, 1, 12)
        summary = text(dlg, "#exp-summary")
        assert "2026-11-26 to 2026-11-27: 13 visit(s)" in summary
        assert "To write: 12 finished visit(s)" in summary and "CSV" in summary
        assert "1 visit(s) not finished" in text(dlg, "#exp-warning")
        path = await write(pilot, dlg)
        assert "Done: 12 visit(s) written" in text(dlg, "#exp-summary")
        assert "Recap:" in text(dlg, "#exp-summary")
    assert path.suffix == ".csv" and path.parent == tmp_path / "csv"
    head, rows = read_csv(path)
    assert len(rows) == 12
    col = head.index("NIK")
    assert sorted(r[col] for r in rows) == sorted(
        [nik(20), nik(21), *(nik(i) for i in range(1, 11))]
    )
    assert (path.stat().st_mode & 0o777) == 0o600


@async_test
async def test_range_typed_as_indonesian_dates_and_a_bad_date(ctx, fx, tmp_path: Path) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        dlg = await open_dialog(pilot, fx)
        dlg.query_one("#exp-range", Select).value = "range"
        await settle(pilot)
        assert dlg.query_one("#exp-from", Input).value == "27-11-2026"  # the day shown
        dlg.query_one("#exp-from", Input).value = "31-11-2026"
        await settle(pilot)
        assert "'31-11-2026' bukan tanggal" in text(dlg, "#exp-error")
        await pilot.press("f2")
        await settle(pilot)
        assert dlg.stage == "form"
        dlg.query_one("#exp-from", Input).value = "28-11-2026"
        await settle(pilot)
        assert "Rentang terbalik: 28-11-2026 sesudah 27-11-2026" in text(dlg, "#exp-error")
        dlg.query_one("#exp-from", Input).value = "26-11-2026"
        await set_folder(pilot, dlg, tmp_path)
        await to_summary(pilot, dlg)
        assert "26-11-2026 s.d. 27-11-2026: 13 kunjungan" in text(dlg, "#exp-summary")
        assert dlg.preview.rows == 12


@async_test
async def test_empty_day_says_so_and_writes_nothing(ctx, fx, tmp_path: Path) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        await login(pilot, fx.kasi)
        home = app.screen
        await until(pilot, lambda: home.report is not None)
        await pilot.press("left", "left")  # Wednesday the 25th: no visits
        await until(pilot, lambda: home.report is not None and home.report.date_to.day == 25)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dlg = app.screen
        await set_folder(pilot, dlg, tmp_path / "empty")
        await to_summary(pilot, dlg)
        assert dlg.preview.rows == 0
        assert "Tidak ada kunjungan selesai untuk diekspor" in text(dlg, "#exp-summary")
        assert "Tidak ada file yang ditulis" in text(dlg, "#exp-summary")
        assert not dlg.check_action("write", ())
        await pilot.press("y")
        await settle(pilot)
        assert dlg.stage == "confirm" and dlg.result is None
        await pilot.press("escape")
        await settle(pilot)
        assert dlg.stage == "form"
    assert not (tmp_path / "empty").exists()
    assert export.batches(ctx) == []
    assert (
        not list(ctx.settings.exports_dir.glob("*")) if ctx.settings.exports_dir.exists() else True
    )


@async_test
async def test_destination_and_format_are_remembered(ctx, fx, tmp_path: Path) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        dlg = await open_dialog(pilot, fx)
        assert dlg.query_one("#exp-folder", Input).value == str(ctx.settings.exports_dir)
        dlg.query_one("#exp-format", Select).value = "csv"
        await set_folder(pilot, dlg, tmp_path / "kasi")
        await to_summary(pilot, dlg)
        await write(pilot, dlg)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, SupervisorHome))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        again = app.screen
        assert again is not dlg
        assert again.query_one("#exp-folder", Input).value == str(tmp_path / "kasi")
        assert again.query_one("#exp-format", Select).value == "csv"
    assert export_preview.remembered_folder(ctx, fx.kasi) == tmp_path / "kasi"


@async_test
async def test_since_last_twice_takes_only_the_new_visit(ctx, fx, clock, tmp_path: Path) -> None:
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        dlg = await open_dialog(pilot, fx)
        dlg.query_one("#exp-range", Select).value = "since_last"
        await set_folder(pilot, dlg, tmp_path)
        await to_summary(pilot, dlg)
        assert dlg.preview.rows == 13  # 2 + 10 + the Monday after
        assert "Belum pernah ada ekspor" in text(dlg, "#exp-summary")
        assert "1 kunjungan masih belum selesai" in text(dlg, "#exp-warning")
        first = await write(pilot, dlg)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, SupervisorHome))
        # the open visit is finished; a minute later, since-last again
        visits.finish_visit(ctx, fx.ids[11], "DECLINED", officer_id=fx.siti.id)
        clock.advance(minutes=1)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dlg = app.screen
        dlg.query_one("#exp-range", Select).value = "since_last"
        await until(pilot, lambda: dlg.preview is not None and dlg.preview.mode == "since_last")
        await to_summary(pilot, dlg)
        assert (dlg.preview.rows, dlg.preview.open) == (1, 0)
        assert "Ekspor terakhir: 27-11-2026 16:00 (13 kunjungan)" in text(dlg, "#exp-summary")
        assert text(dlg, "#exp-warning") == ""
        second = await write(pilot, dlg)
    assert first != second
    assert len(nik_cells_xlsx(first)) == 13
    assert nik_cells_xlsx(second) == [nik(11)]


@async_test
async def test_a_file_in_the_folders_place_is_refused_at_once(ctx, fx, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        dlg = await open_dialog(pilot, fx)
        for typed in (blocker, blocker / "sub" / "dir"):  # the file itself, or below it
            dlg.query_one("#exp-folder", Input).value = str(typed)
            await until(pilot, lambda: "bukan folder" in text(dlg, "#exp-error"))
            assert f"{blocker} adalah file" in text(dlg, "#exp-error")
            await pilot.press("f2")
            await settle(pilot)
            assert dlg.stage == "form" and dlg.result is None
    assert export.batches(ctx) == []
    assert blocker.read_text() == "not a folder"


@async_test
async def test_read_only_folder_says_no_permission(
    ctx, fx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: fail the way the OS would
        real = tempfile.mkstemp

        def denied(*a: Any, **kw: Any) -> Any:
            if Path(str(kw.get("dir", ""))) == folder:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
            return real(*a, **kw)

        monkeypatch.setattr(tempfile, "mkstemp", denied)
    try:
        app = make_app(replace(ctx.settings, lang="en"), ctx=ctx)
        async with app.run_test(size=SMALL) as pilot:
            dlg = await open_dialog(pilot, fx)
            await set_folder(pilot, dlg, folder)
            await to_summary(pilot, dlg)
            await pilot.press("y")
            await until(pilot, lambda: text(dlg, "#exp-error") != "")
            error = text(dlg, "#exp-error")
            assert f"No permission to write in {folder}" in error and "Nothing was written" in error
            assert "with -o" not in error  # the dialog's words, not the CLI's
            assert dlg.stage == "confirm" and dlg.result is None
        assert list(folder.iterdir()) == []
        assert export.batches(ctx) == []
    finally:
        folder.chmod(0o755)


@async_test
async def test_existing_file_is_never_overwritten(ctx, fx, tmp_path: Path) -> None:
    name = export.default_path(ctx, "date", DAY, DAY, "xlsx").name  # the clock is fixed
    (tmp_path / name).write_text("someone's file")
    app = make_app(ctx.settings, ctx=ctx)
    async with app.run_test(size=SMALL) as pilot:
        dlg = await open_dialog(pilot, fx)
        await set_folder(pilot, dlg, tmp_path)
        await to_summary(pilot, dlg)
        await pilot.press("y")
        await until(pilot, lambda: text(dlg, "#exp-error") != "")
        assert "sudah ada" in text(dlg, "#exp-error") and name in text(dlg, "#exp-error")
        assert dlg.result is None
    assert (tmp_path / name).read_text() == "someone's file"
    assert export.batches(ctx) == []


def test_preview_counts_what_the_export_writes(ctx, fx, tmp_path: Path) -> None:
    """The dialog's count and the export's rows come from two selections: they must agree,
    and the day's count must agree with the report behind the tiles."""
    visits.void_visit(ctx, fx.kasi, fx.ids[8], "double entry")
    r = report.summary(ctx, DAY)
    p = export_preview.preview(ctx, "date", DAY)
    assert (p.visits, p.open) == (r.visits, r.unfinished) == (10, 1)
    written = export.export_visits(ctx, fx.kasi, "date", date_from=DAY, out=tmp_path / "d/")
    assert p.rows == written.rows == 9
    since = export_preview.preview(ctx, "since_last")
    written = export.export_visits(ctx, fx.kasi, "since_last", out=tmp_path / "s/")
    assert since.rows == written.rows == 3  # the 26th (2) and the 30th (1)
    assert export_preview.preview(ctx, "since_last").rows == 0


SNAP_CASES = [(size, lang) for size in (SMALL, (100, 30)) for lang in ("id", "en")]


@pytest.mark.parametrize(("size", "lang"), SNAP_CASES, ids=lambda v: str(v))
def test_dialog_snapshot(ctx, fx, snap_compare, size, lang) -> None:  # noqa: ANN001
    ctx.settings = replace(ctx.settings, lang=lang)
    export_preview.remember(ctx, fx.kasi, FIXED_FOLDER, "xlsx")
    app = make_app(ctx.settings, ctx=ctx)

    async def run_before(pilot) -> None:  # noqa: ANN001
        dlg = await open_dialog(pilot, fx)
        await to_summary(pilot, dlg)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_dialog_snapshot_form_csv_at_80x24(ctx, fx, snap_compare) -> None:  # noqa: ANN001
    """The form as it opens, with the remembered folder and format."""
    export_preview.remember(ctx, fx.kasi, FIXED_FOLDER, "csv")
    app = make_app(ctx.settings, ctx=ctx)

    async def run_before(pilot) -> None:  # noqa: ANN001
        await open_dialog(pilot, fx)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
