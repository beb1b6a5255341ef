"""Export batches: since-last without duplicates or gaps, stable fixed ranges, atomic files,
refusals and the audit log."""

from __future__ import annotations

import errno
import gc
import io
import json
import os
import threading
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from counter.services import audit, export, visits
from counter.services.context import Context
from counter.store.models import ExportBatch, ExportItem
from tests.helpers.export import NIKS, people, read_csv, read_xlsx, visit


def _file_rows(res: export.ExportResult) -> list[tuple[str, int, str]]:
    """(visit id, revision, correction Ya/Tidak) as they are in the written file."""
    if res.fmt == "csv":
        _, rows = read_csv(res.path)
        return [(r[0], int(r[17]), r[16]) for r in rows]
    ws = read_xlsx(res.path)["Kunjungan"]
    return [(r[0].value, r[17].value, r[16].value) for r in list(ws.iter_rows())[1:]]


def _two_phase(ctx: Context, req: export.Request) -> export.Plan:
    """The plan of ``req``, as if the range held more than LOCKED_MAX_ROWS visits (the route
    XLSX, PostgreSQL and large CSV exports take)."""
    facts = export.survey(ctx, req)
    route = export.plan(req, replace(facts, rows=export.LOCKED_MAX_ROWS + 1))
    assert not route.one_phase
    return route


def _one_phase(ctx: Context, req: export.Request) -> export.Plan:
    """The plan of ``req``, checked to be the one-phase route (small CSV on SQLite)."""
    route = export.plan(req, export.survey(ctx, req))
    assert route.one_phase and route.items is export.Items.PARALLEL_SQL
    return route


class _OnFileWritten(export.Observer):
    """Runs ``action`` once the rows are written (still inside the export's snapshot)."""

    def __init__(self, action: Any) -> None:
        self.action = action

    def file_written(self) -> None:
        self.action()


def _counts(ctx: Context) -> tuple[int, int]:
    with ctx.db.read() as s:
        return (
            int(s.exec(select(func.count()).select_from(ExportBatch)).one()),
            int(s.exec(select(func.count()).select_from(ExportItem)).one()),
        )


def test_since_last_three_rounds_no_duplicate_no_gap(
    any_ctx: Context,
    clock,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    ctx = any_ctx
    off, sup = people(ctx)
    a = visit(ctx, clock, off, NIKS[0], "ACTIVATED")
    b = visit(ctx, clock, off, NIKS[1], "FAILED", reason="email_not_received")
    c = visit(ctx, clock, off, NIKS[2], "ALREADY_ACTIVE")
    d = visit(ctx, clock, off, NIKS[3], finish=False)  # still open at round 1

    r1 = export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "r1.csv")
    assert _file_rows(r1) == [(a, 0, "Tidak"), (b, 0, "Tidak"), (c, 0, "Tidak")]
    assert (r1.date_from, r1.date_to) == (date(2026, 11, 27), date(2026, 11, 27))

    # between rounds: a correction, the open visit ends, a new visit on the next day
    visits.correct_visit(ctx, b, sup, "ACTIVATED", None, "berhasil setelah dicek ulang")
    visits.finish_visit(ctx, d, "PENDING", officer_id=off.id)
    clock.advance(days=1)
    e = visit(ctx, clock, off, NIKS[0], "ACTIVATED")
    r2 = export.export_visits(ctx, sup, "since_last", fmt="xlsx", out=tmp_path / "r2.xlsx")
    assert _file_rows(r2) == [(b, 1, "Ya"), (d, 0, "Tidak"), (e, 0, "Tidak")]
    assert r2.corrections == 1

    # corrected twice before the next round: goes once, at its latest revision
    visits.correct_visit(ctx, a, sup, "PENDING", None, "belum selesai")
    visits.correct_visit(ctx, a, sup, "FAILED", "phone_unsupported", "hp tidak mendukung")
    f = visit(ctx, clock, off, NIKS[1], "DECLINED")
    r3 = export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "r3.csv")
    assert _file_rows(r3) == [(a, 2, "Ya"), (f, 0, "Tidak")]
    _, rows3 = read_csv(r3.path)
    assert rows3[0][11] == "FAILED" and rows3[0][12] == "phone_unsupported"

    r4 = export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "r4.csv")
    assert r4.rows == 0 and r4.batch_id is None and r4.path is None
    assert not (tmp_path / "r4.csv").exists() and export.pending_count(ctx) == 0

    # No duplicate: every (visit, revision) went exactly once. No gap: every finished visit's
    # current revision went out, and the items are exactly the files' rows.
    items: list[tuple[str, int]] = []
    for r in (r1, r2, r3):
        got = export.batch_items(ctx, r.batch_id)
        assert sorted(got) == sorted((v, rev, corr == "Ya") for v, rev, corr in _file_rows(r))
        items += [(v, rev) for v, rev, _ in got]
    assert not [k for k, n in Counter(items).items() if n > 1]
    current = {v: visits.get_visit(ctx, v).revision for v in (a, b, c, d, e, f)}
    assert set(current.items()) <= set(items)
    assert {v for v, _ in items} == set(current)
    assert _counts(ctx) == (3, 8)


def test_fixed_range_twice_same_rows_same_order(
    any_ctx: Context,
    clock,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    ctx = any_ctx
    off, sup = people(ctx)
    made = []
    for i in range(6):
        made.append(visit(ctx, clock, off, NIKS[i % 4], "ACTIVATED", seconds=60))
        if i == 2:
            clock.advance(days=1)
    # two visits starting in the same second: the visit id breaks the tie
    v1 = visits.start_visit(ctx, off, NIKS[0])
    v2 = visits.start_visit(ctx, off, NIKS[1])
    for v in (v1, v2):
        visits.finish_visit(ctx, v.id, "DECLINED", officer_id=off.id)
    visits.correct_visit(ctx, made[0], sup, "PENDING", None, "belum")
    kw: dict[str, Any] = {"date_from": date(2026, 11, 27), "date_to": date(2026, 11, 28)}
    x1 = export.export_visits(ctx, sup, "range", fmt="csv", out=tmp_path / "x1.csv", **kw)
    x2 = export.export_visits(ctx, sup, "range", fmt="csv", out=tmp_path / "x2.csv", **kw)
    assert x1.rows == x2.rows == 8
    assert x1.path.read_bytes() == x2.path.read_bytes() and x1.sha256 == x2.sha256
    _, rows = read_csv(x1.path)
    keys = [(r[4], r[5], r[0]) for r in rows]
    assert keys == sorted(keys)
    assert [r[0] for r in rows][-2:] == sorted([v1.id, v2.id])
    y1 = export.export_visits(ctx, sup, "range", fmt="xlsx", out=tmp_path / "y1.xlsx", **kw)
    y2 = export.export_visits(ctx, sup, "range", fmt="xlsx", out=tmp_path / "y2.xlsx", **kw)

    def cells(p: Path) -> list[list[Any]]:
        wb = read_xlsx(p)
        return [[c.value for c in r] for ws in wb for r in ws.iter_rows()]

    assert cells(y1.path) == cells(y2.path)
    assert [r[0] for r in cells(y1.path)[1:9]] == [r[0] for r in rows]
    assert export.batch_items(ctx, x1.batch_id) == export.batch_items(ctx, y2.batch_id)
    assert _counts(ctx) == (4, 32)


class _Failing:
    """A file whose writes fail with ENOSPC once ``after`` bytes went through."""

    def __init__(self, fh: Any, after: int) -> None:
        self._fh, self._after, self._n = fh, after, 0

    def write(self, b: Any) -> int:
        self._n += len(b)
        if self._n > self._after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._fh.write(b)

    def __enter__(self) -> _Failing:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def _assert_nothing_recorded(ctx: Context, folder: Path, code: str) -> None:
    assert list(folder.iterdir()) == []  # no file, no leftover temporary
    assert _counts(ctx) == (0, 0)
    assert audit.recent(ctx, "export") == []
    failed = audit.recent(ctx, "export_failed")
    assert len(failed) == 1 and json.loads(failed[0].detail)["error"] == code


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_disk_full_mid_write_leaves_no_file_and_no_batch(
    any_ctx: Context,
    clock,  # noqa: ANN001
    tmp_path: Path,
    monkeypatch,
    fmt: str,
) -> None:
    ctx = any_ctx
    off, sup = people(ctx)
    for i in range(40):
        visit(ctx, clock, off, NIKS[i % 4], "ACTIVATED", note="x" * 200)
    folder = tmp_path / "out"
    folder.mkdir()
    real = export.files.open_temp
    monkeypatch.setattr(
        export.files,
        "open_temp",
        lambda final: (lambda fh, p: (_Failing(fh, 3000), p))(*real(final)),
    )
    with pytest.raises(export.ExportError) as ei:
        export.export_visits(ctx, sup, "since_last", fmt=fmt, out=folder / f"f.{fmt}")
    gc.collect()  # nothing half-closed may complain later from the garbage collector
    assert ei.value.code == "disk_full"
    assert "Disk penuh" in ei.value.message("id") and "disk is full" in ei.value.message("en")
    _assert_nothing_recorded(ctx, folder, "disk_full")
    monkeypatch.undo()
    ok = export.export_visits(ctx, sup, "since_last", fmt=fmt, out=folder / f"f.{fmt}")
    assert ok.rows == 40  # the failed attempt consumed nothing


def test_read_only_folder_records_nothing(
    ctx: Context,
    clock,
    tmp_path: Path,  # noqa: ANN001
    monkeypatch,
) -> None:
    off, sup = people(ctx)
    visit(ctx, clock, off)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root ignores permission bits: fail the way the OS would

            def denied(final: Path) -> Any:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(final))

            monkeypatch.setattr(export.files, "open_temp", denied)
        with pytest.raises(export.ExportError) as ei:
            export.export_visits(
                ctx, sup, "date", date_from=ctx.today(), fmt="csv", out=folder / "x.csv"
            )
        assert ei.value.code == "no_permission"
        assert str(folder) in ei.value.message("en")
        _assert_nothing_recorded(ctx, folder, "no_permission")
    finally:
        folder.chmod(0o755)


def test_rename_failure_rolls_back_the_batch(
    ctx: Context,
    clock,
    tmp_path: Path,  # noqa: ANN001
    monkeypatch,
) -> None:
    off, sup = people(ctx)
    visit(ctx, clock, off)

    def boom(src: Any, dst: Any) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(export.ExportError) as ei:
        export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "z.csv")
    assert ei.value.code == "io"
    assert [p for p in tmp_path.iterdir() if p.name.startswith(("z", ".z"))] == []
    assert _counts(ctx) == (0, 0) and export.pending_count(ctx) == 1


def test_officer_is_refused_and_audited(
    any_ctx: Context,
    clock,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    ctx = any_ctx
    off, sup = people(ctx)
    visit(ctx, clock, off)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(export.ExportError) as ei:
        export.export_visits(ctx, off, "since_last", fmt="csv", out=folder / "o.csv")
    assert ei.value.code == "forbidden" and "supervisor" in ei.value.message("id")
    assert list(folder.iterdir()) == [] and _counts(ctx) == (0, 0)
    refused = audit.recent(ctx, "export_refused")
    assert [(e.username, e.officer_id) for e in refused] == [("siti", off.id)]
    assert json.loads(refused[0].detail)["role"] == "officer"

    res = export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "s.csv")
    ev = audit.recent(ctx, "export")
    assert len(ev) == 1 and ev[0].username == "kasi" and ev[0].target == f"batch:{res.batch_id}"
    detail = json.loads(ev[0].detail)
    assert detail["rows"] == 1 and detail["sha256"] == res.sha256
    assert detail["mode"] == "since_last" and detail["file"] == str(res.path)
    b = export.batches(ctx)[0]
    assert (b.id, b.rows, b.sha256, b.mode, b.format, b.officer_id) == (
        res.batch_id,
        1,
        res.sha256,
        "since_last",
        "csv",
        sup.id,
    )
    import hashlib

    assert hashlib.sha256(res.path.read_bytes()).hexdigest() == res.sha256
    # an empty since-last is audited too, without a batch
    export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "e.csv")
    assert [json.loads(e.detail)["rows"] for e in audit.recent(ctx, "export")] == [0, 1]


def test_bad_arguments(ctx: Context) -> None:
    _, sup = people(ctx)
    cases = [
        ({"mode": "weekly"}, "bad_mode"),
        ({"mode": "date"}, "dates_required"),
        (
            {"mode": "range", "date_from": date(2026, 11, 2), "date_to": date(2026, 11, 1)},
            "bad_range",
        ),
        ({"mode": "since_last", "date_from": date(2026, 11, 2)}, "since_last_no_dates"),
        ({"mode": "date", "date_from": date(2026, 11, 2), "fmt": "ods"}, "bad_format"),
        ({"mode": "date", "date_from": date(2026, 11, 2), "delimiter": "|"}, "bad_delimiter"),
    ]
    for kw, code in cases:
        with pytest.raises(export.ExportError) as ei:
            export.export_visits(ctx, sup, **kw)
        assert ei.value.code == code
        assert not ei.value.message("id").startswith("⟨")
        assert not ei.value.message("en").startswith("⟨")


def test_cli_export(
    ctx: Context,
    clock,
    tmp_path: Path,  # noqa: ANN001
    monkeypatch,
    capsys,
) -> None:  # noqa: ANN001
    from counter.cli import main

    off, sup = people(ctx)
    visit(ctx, clock, off, NIKS[1], "PENDING", phone="081234567890", consent=True)
    visit(ctx, clock, off, NIKS[0], "ACTIVATED")
    db = str(ctx.db.path)
    monkeypatch.setattr("sys.stdin", io.StringIO("246802\n"))
    rc = main(
        [
            "--db",
            db,
            "export",
            "--since-last",
            "--as",
            "kasi",
            "-o",
            str(tmp_path / "c.csv"),
            "--delimiter",
            "comma",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["rows"] == 2 and out["format"] == "csv"
    head, rows = read_csv(Path(out["path"]), ",")
    assert head[0] == "ID Kunjungan" and len(rows) == 2
    assert Path(out["recap_path"]).exists()

    monkeypatch.setattr("sys.stdin", io.StringIO("135790\n"))
    rc = main(
        [
            "--db",
            db,
            "--lang",
            "en",
            "export",
            "--date",
            "2026-11-27",
            "--as",
            "siti",
            "-o",
            str(tmp_path / "d.xlsx"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "Only a supervisor" in err and not (tmp_path / "d.xlsx").exists()

    monkeypatch.setattr("sys.stdin", io.StringIO("246802\n"))
    rc = main(["--db", db, "export", "--since-last", "--as", "kasi", "-o", str(tmp_path)])
    assert rc == 0 and "Tidak ada kunjungan" in capsys.readouterr().out

    rc = main(["--db", db, "export", "--date", "27-11-2026", "--as", "kasi"])
    assert rc == 2 and "2026-11-27" in capsys.readouterr().err


def test_concurrent_export_is_refused_not_duplicated(
    ctx: Context,
    clock,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    """Another since-last export recorded between our snapshot and our commit: ours is refused
    (no file, no batch) instead of exporting the same visits twice; a retry exports nothing."""
    off, sup = people(ctx)
    visit(ctx, clock, off)
    visit(ctx, clock, off, NIKS[1])
    req = export.request("since_last", fmt="csv")
    done = {}

    def racing() -> None:  # the other supervisor's export lands while ours is writing its file
        done["res"] = export.export_visits(
            ctx, sup, "since_last", fmt="csv", out=tmp_path / "other.csv"
        )

    with pytest.raises(export.ExportError) as ei:
        export.run(
            ctx, sup, req, _two_phase(ctx, req), tmp_path / "mine.csv", _OnFileWritten(racing)
        )
    assert ei.value.code == "concurrent"
    assert done["res"].rows == 2 and not (tmp_path / "mine.csv").exists()
    assert _counts(ctx) == (1, 2)
    assert json.loads(audit.recent(ctx, "export_failed")[0].detail)["error"] == "concurrent"
    again = export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "mine.csv")
    assert again.rows == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_changes_during_the_export_are_not_recorded_as_exported(
    any_ctx: Context, clock, tmp_path: Path, fmt: str
) -> None:  # noqa: ANN001
    """A visit finishes and another is corrected while the file is being written: the batch
    records exactly the rows in the file (old revision), and the next since-last sends the rest."""
    ctx = any_ctx
    off, sup = people(ctx)
    a = visit(ctx, clock, off, NIKS[0], "PENDING")
    b = visit(ctx, clock, off, NIKS[1], finish=False)
    req = export.request("range", ctx.today(), ctx.today(), fmt)

    def meanwhile() -> None:
        visits.finish_visit(ctx, b, "ACTIVATED", officer_id=off.id)
        visits.correct_visit(ctx, a, sup, "ACTIVATED", None, "sudah aktif")

    route = _two_phase(ctx, req)
    r1 = export.run(ctx, sup, req, route, tmp_path / f"r1.{fmt}", _OnFileWritten(meanwhile))
    assert _file_rows(r1) == [(a, 0, "Tidak")]
    assert export.batch_items(ctx, r1.batch_id) == [(a, 0, False)]
    r2 = export.export_visits(ctx, sup, "since_last", fmt=fmt, out=tmp_path / f"r2.{fmt}")
    assert _file_rows(r2) == [(a, 1, "Ya"), (b, 0, "Tidak")]


# ---- CSV on SQLite: the write lock is held from before the snapshot to the commit -----------


def _in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    return t, out


def test_locked_csv_export_makes_a_counter_wait_and_records_exactly_the_file(
    ctx: Context, clock, tmp_path: Path
) -> None:  # noqa: ANN001
    """A counter finishes a visit (another thread) while the CSV is being written: its write
    waits for the export's commit, then lands; the batch holds exactly the file's rows (the
    items were recorded in parallel), and the late visit goes in the next since-last."""
    off, sup = people(ctx)
    a = visit(ctx, clock, off, NIKS[0], "PENDING")
    b = visit(ctx, clock, off, NIKS[1], finish=False)
    seen: dict[str, Any] = {}

    def meanwhile() -> None:
        t, out = _in_thread(lambda: visits.finish_visit(ctx, b, "ACTIVATED", officer_id=off.id))
        t.join(0.5)
        seen.update(thread=t, out=out, waiting=t.is_alive())

    req = export.request("range", ctx.today(), ctx.today(), "csv")
    route = _one_phase(ctx, req)
    r1 = export.run(ctx, sup, req, route, tmp_path / "r1.csv", _OnFileWritten(meanwhile))
    seen["thread"].join(15)
    assert seen["waiting"], "the counter's write should wait for the export's commit"
    assert "error" not in seen["out"] and not seen["thread"].is_alive()
    assert _file_rows(r1) == [(a, 0, "Tidak")]
    assert export.batch_items(ctx, r1.batch_id) == [(a, 0, False)]
    r2 = export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "r2.csv")
    assert _file_rows(r2) == [(b, 0, "Tidak")]
    assert export.batch_items(ctx, r2.batch_id) == [(b, 0, False)]


def test_locked_csv_export_and_a_second_since_last_never_duplicate(
    ctx: Context, clock, tmp_path: Path
) -> None:  # noqa: ANN001
    """Another supervisor's since-last export starts while ours is writing: it waits for our
    commit and then finds nothing new (no second batch of the same visits)."""
    off, sup = people(ctx)
    ids = [visit(ctx, clock, off, n) for n in NIKS]
    seen: dict[str, Any] = {}

    def meanwhile() -> None:
        t, out = _in_thread(
            lambda: export.export_visits(
                ctx, sup, "since_last", fmt="csv", out=tmp_path / "other.csv"
            )
        )
        t.join(0.5)
        seen.update(thread=t, out=out, waiting=t.is_alive())

    req = export.request("since_last", fmt="csv")
    route = _one_phase(ctx, req)
    mine = export.run(ctx, sup, req, route, tmp_path / "mine.csv", _OnFileWritten(meanwhile))
    seen["thread"].join(15)
    assert seen["waiting"] and "error" not in seen["out"]
    assert [r[0] for r in _file_rows(mine)] == ids
    other = seen["out"]["value"]
    assert other.rows == 0 and other.batch_id is None and not (tmp_path / "other.csv").exists()
    assert _counts(ctx) == (1, 4)


def test_locked_csv_export_items_failure_records_nothing(
    ctx: Context, clock, tmp_path: Path
) -> None:  # noqa: ANN001
    """The parallel item recording fails (here: its statement is broken): the error reaches
    the caller, and there is no file, no temporary, no batch and no item."""
    off, sup = people(ctx)
    visit(ctx, clock, off)
    import sqlite3

    from counter.store.db import StorageError

    class Broken(export.Observer):
        def items_inserted(self, cursor: Any) -> None:
            cursor.execute("INSERT INTO export_item (batch_id) SELECT no_such_column FROM visit")

    class Full(export.Observer):
        def items_inserted(self, cursor: Any) -> None:
            raise sqlite3.OperationalError("database or disk is full")

    req = export.request("since_last", fmt="csv")
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(Exception, match="no_such_column"):
        export.run(ctx, sup, req, _one_phase(ctx, req), folder / "f.csv", Broken())
    assert list(folder.iterdir()) == [] and _counts(ctx) == (0, 0)
    # the disk fills up while the items are written: the storage message, nothing recorded
    with pytest.raises(StorageError) as ei:
        export.run(ctx, sup, req, _one_phase(ctx, req), folder / "f.csv", Full())
    assert ei.value.code == "disk" and "disk" in ei.value.message("en").lower()
    assert list(folder.iterdir()) == [] and _counts(ctx) == (0, 0)
    assert export.export_visits(ctx, sup, "since_last", fmt="csv", out=folder / "f.csv").rows == 1


def test_locked_csv_export_refuses_items_that_differ_from_the_file(
    ctx: Context, clock, tmp_path: Path
) -> None:  # noqa: ANN001
    """The check before the commit: items whose count or revision sum differ from the rows
    written are refused as ``concurrent`` (no file, no batch), never recorded."""
    off, sup = people(ctx)
    visit(ctx, clock, off)
    visit(ctx, clock, off, NIKS[1])

    class OneLost(export.Observer):  # an item goes missing between the insert and the check
        def items_inserted(self, cursor: Any) -> None:
            cursor.execute(
                "DELETE FROM export_item WHERE visit_id = (SELECT min(visit_id) FROM export_item)"
            )

    req = export.request("since_last", fmt="csv")
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(export.ExportError) as ei:
        export.run(ctx, sup, req, _one_phase(ctx, req), folder / "f.csv", OneLost())
    assert ei.value.code == "concurrent"
    _assert_nothing_recorded(ctx, folder, "concurrent")


def test_large_csv_export_takes_the_two_phase_route(ctx: Context, clock, tmp_path: Path) -> None:  # noqa: ANN001
    """Above LOCKED_MAX_ROWS visits the lock is held only to record the batch: a counter's
    write during the file's writing does not wait."""
    off, sup = people(ctx)
    a = visit(ctx, clock, off)
    b = visit(ctx, clock, off, NIKS[1], finish=False)
    seen: dict[str, Any] = {}

    def meanwhile() -> None:
        t, out = _in_thread(
            lambda: visits.finish_visit(ctx, b, "FAILED", reason="other", officer_id=off.id)
        )
        t.join(10)
        seen.update(waiting=t.is_alive(), out=out)

    req = export.request("since_last", fmt="csv")
    route = _two_phase(ctx, req)
    assert route.items is export.Items.SIDE_FILE
    r = export.run(ctx, sup, req, route, tmp_path / "r.csv", _OnFileWritten(meanwhile))
    assert seen["waiting"] is False, "the counter's write should not wait on this route"
    assert "error" not in seen["out"]
    assert _file_rows(r) == [(a, 0, "Tidak")]
    assert export.batch_items(ctx, r.batch_id) == [(a, 0, False)]
    r2 = export.export_visits(ctx, sup, "since_last", fmt="csv", out=tmp_path / "r2.csv")
    assert _file_rows(r2) == [(b, 0, "Tidak")]  # the visit that finished meanwhile, once
