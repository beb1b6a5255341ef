"""Coverage per kecamatan/desa from hand-made extracts, two imports, the plan and its events.

The extract (NIK;NAMA;DESA;STATUS IKD;TGL AKTIVASI), counted by hand:

  kecamatan 01 (Wonotunggal): n1 Silurah active, n2 "Desa Silurah", n3 "SILURAH",
      n4 Sodong active, n5 "Sendang" (a name of two kecamatan: the NIK's decides -> 01.2005)
  kecamatan 02 (Bandar): n6 Tombo active, n7 3325022001 (code), n8 02.2001 (short code),
      n9 empty desa cell
  first import:  kec 01 5 residents 2 active (needed at 30%: ceil(1.5) - 2 -> 0, not -1... 0)
                 kec 02 4 residents 1 active (needed ceil(1.2) - 1 = 1)
                 desa Silurah 3/1, Sodong 1/1, Sendang(01) 1/0, Tombo 3/1; without desa 1
  second import (a month later): n2 active; n10 new in Tombo, active ->
                 kec 01 5/3 (change +1), kec 02 5/2 (change +1); Tombo 4/2 (change +1)
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from counter.cli import main
from counter.domain import nik as nikmod
from counter.domain import places
from counter.services import coverage as cov
from counter.services import outreach, plan, visits
from counter.services.registry import import_registry


def N(kec: str, serial: int) -> str:
    return nikmod.compose("3325" + kec, date(1990, 1, 1), "M", serial)


ROWS1 = [
    (N("01", 1), "Silurah", "SUDAH", "01/10/2026"),
    (N("01", 2), "Desa Silurah", "BELUM", ""),
    (N("01", 3), "SILURAH", "BELUM", ""),
    (N("01", 4), "Sodong", "SUDAH", "02/10/2026"),
    (N("01", 5), "Sendang", "BELUM", ""),
    (N("02", 6), "Tombo", "SUDAH", "03/10/2026"),
    (N("02", 7), "3325022001", "BELUM", ""),
    (N("02", 8), "02.2001", "BELUM", ""),
    (N("02", 9), "", "BELUM", ""),
]
ROWS2 = [r if i != 1 else (r[0], r[1], "SUDAH", "20/11/2026") for i, r in enumerate(ROWS1)]
ROWS2.append((N("02", 10), "Kel. Tombo", "SUDAH", "21/11/2026"))


def extract(path: Path, rows: list[tuple[str, str, str, str]], messy: bool = False) -> Path:
    lines = ["NIK;NAMA;DESA;STATUS IKD;TGL AKTIVASI"]
    for i, (n, desa, status, when) in enumerate(rows):
        name = f'"WARGA {i}"' if messy else f"WARGA {i}"  # quotes: the general path
        lines.append(f"{n};{name};{desa};{status};{when}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def two_imports(ctx, clock, tmp_path: Path, messy: bool = False) -> None:
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1, messy))
    clock.advance(days=30)
    import_registry(ctx, extract(tmp_path / "b.csv", ROWS2, messy))


def by_code(c: cov.Coverage) -> dict[str, tuple[int, int, int, int | None]]:
    return {r.code: (r.residents, r.active, r.needed, r.change) for r in c.rows}


def test_desa_cells_match_names_codes_and_prefixes() -> None:
    assert places.match("Silurah") == 12001
    assert places.match(" desa  SILURAH ") == 12001
    assert places.match("Kel. Silurah") == 12001
    assert places.match("33.25.01.2001") == places.match("3325012001") == 12001
    assert places.match("01.2001") == places.match("012001") == 12001
    assert places.match("Atlantis") is None and places.match("") is None
    assert places.match("Sendang") == places.AMBIGUOUS
    assert places.match_in("Sendang", 1) == 12005
    assert places.match_in("2001", 2) == 22001
    assert places.match_in("Sendang", 2) is None  # no Sendang in Bandar


@pytest.mark.parametrize("messy", [False, True], ids=["clean", "messy"])
def test_coverage_by_hand_after_two_imports(ctx, clock, tmp_path: Path, messy: bool) -> None:
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1, messy))
    first = cov.coverage(ctx, "kecamatan")
    assert by_code(first) == {"33.25.01": (5, 2, 0, None), "33.25.02": (4, 1, 1, None)}
    d1 = cov.coverage(ctx, "desa")
    assert by_code(d1) == {
        "33.25.01.2001": (3, 1, 0, None),
        "33.25.01.2002": (1, 1, 0, None),
        "33.25.01.2005": (1, 0, 1, None),
        "33.25.02.2001": (3, 1, 0, None),
    }
    assert d1.without_desa == 1 and d1.residents == 9 and d1.active == 3
    clock.advance(days=30)
    import_registry(ctx, extract(tmp_path / "b.csv", ROWS2, messy))
    k = cov.coverage(ctx, "kecamatan")
    assert by_code(k) == {"33.25.01": (5, 3, 0, 1), "33.25.02": (5, 2, 0, 1)}
    d = cov.coverage(ctx, "desa")
    assert by_code(d)["33.25.02.2001"] == (4, 2, 0, 1)
    assert by_code(d)["33.25.01.2001"] == (3, 2, 0, 1)
    for by in ("kecamatan", "desa"):  # the stored totals equal the plain GROUP BY
        assert cov.coverage(ctx, by).rows == cov.coverage(ctx, by, plain=True).rows


def test_unmatched_desa_is_reported_and_left_without_desa(ctx, tmp_path: Path) -> None:
    rows = [
        *ROWS1,
        (N("02", 11), "Desa Atlantis", "BELUM", ""),
        (N("02", 12), "Sendang", "BELUM", ""),
    ]  # no Sendang in Bandar
    res = import_registry(ctx, extract(tmp_path / "m.csv", rows))
    assert res.desa is not None
    assert res.desa["unmatched"] == {"Desa Atlantis": 1, "Sendang": 1}
    assert res.desa["empty"] == 1 and res.desa["matched"] == 8
    d = cov.coverage(ctx, "desa")
    assert d.without_desa == 3
    assert by_code(d)["33.25.02.2001"] == (3, 1, 0, None)


def test_needed_is_never_negative() -> None:
    assert cov.needed(10, 9, 30.0) == 0
    assert cov.needed(10, 2, 30.0) == 1
    assert cov.needed(631075, 44022, 30.0) == 189323 - 44022
    assert cov.needed(0, 0, 30.0) == 0


def test_extract_without_desa_column_gives_kecamatan_only(ctx, tmp_path: Path) -> None:
    f = tmp_path / "k.csv"
    f.write_text("NIK;STATUS\n" + "".join(f"{n};{s}\n" for n, _, s, _ in ROWS1), "utf-8")
    res = import_registry(ctx, f)
    assert res.desa is None and "desa" not in res.to_json()
    assert by_code(cov.coverage(ctx))["33.25.02"] == (4, 1, 1, None)
    assert cov.coverage(ctx, "desa").rows == [] and cov.coverage(ctx, "desa").without_desa == 9
    assert plan.plan(ctx).by == "kecamatan"


def test_coverage_on_both_engines(any_ctx, clock, tmp_path: Path) -> None:
    two_imports(any_ctx, clock, tmp_path)
    k = cov.coverage(any_ctx, "kecamatan")
    assert by_code(k) == {"33.25.01": (5, 3, 0, 1), "33.25.02": (5, 2, 0, 1)}
    assert cov.coverage(any_ctx, "desa").rows == cov.coverage(any_ctx, "desa", plain=True).rows


def test_progress_series_and_rates(ctx, clock, tmp_path: Path) -> None:
    ctx.settings = replace(
        ctx.settings,
        target=replace(ctx.settings.target, denominator=20, deadline=date(2027, 1, 26)),
    )
    two_imports(ctx, clock, tmp_path)
    p = cov.progress(ctx)
    assert [pt.active for pt in p.points] == [3, 5]
    assert p.goal == 6 and p.remaining == 1
    assert p.rate_30_days == round(2 / 30, 1)
    assert p.needed_per_day == round(1 / (date(2027, 1, 26) - ctx.today()).days, 1)


def test_plan_ranks_and_shows_event_yields(ctx, clock, tmp_path: Path, officer) -> None:
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1))
    clock.advance(days=10)
    ev = outreach.start(ctx, village_code="33.25.02.2001")
    v = visits.start_visit(ctx, officer, N("02", 10))
    visits.finish_visit(ctx, v.id, "ACTIVATED", None, officer_id=officer.id)
    outreach.stop(ctx)
    p = plan.plan(ctx, "desa")
    row = next(r for r in p.rows if r.place.code == "33.25.02.2001")
    assert [(e.id, e.visits, e.activated, e.extract_change) for e in row.events] == [
        (ev.id, 1, 1, None)
    ]  # no import after the event yet
    clock.advance(days=20)
    import_registry(ctx, extract(tmp_path / "b.csv", ROWS2))
    p = plan.plan(ctx, "desa")
    assert [r.place.code for r in p.rows][:1] == ["33.25.01.2005"]  # needs 1, 0 %
    row = next(r for r in p.rows if r.place.code == "33.25.02.2001")
    assert row.events[0].extract_change == 1
    kec = plan.plan(ctx, "kecamatan")
    assert next(r for r in kec.rows if r.place.code == "33.25.02").events[0].extract_change == 1
    needs = [r.place.needed for r in p.rows]
    assert needs == sorted(needs, reverse=True)


def test_plan_starts_an_outreach_event_in_one_step(ctx, tmp_path: Path) -> None:
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1))
    p = plan.plan(ctx, "kecamatan")
    assert p.rows[0].place.code == "33.25.02"  # needs 1
    ev = plan.start_outreach(ctx, p.rows[0])
    assert ev.place_code == "33.25.02.2001"  # the desa there that needs the most
    assert outreach.active_event(ctx).id == ev.id


def test_cli_json_contract(ctx, clock, tmp_path: Path, capsys) -> None:
    two_imports(ctx, clock, tmp_path)
    db = str(tmp_path / "counter.db")
    ctx.db.dispose()
    assert main(["--db", db, "coverage", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [set(r) for r in out["rows"]] == [
        {"code", "name", "kecamatan", "residents", "active", "percent", "needed", "change"}
    ] * 2
    assert out["rows"][0] == {
        "code": "33.25.01",
        "name": "Wonotunggal",
        "kecamatan": "Wonotunggal",
        "residents": 5,
        "active": 3,
        "percent": 60.0,
        "needed": 0,
        "change": 1,
    }
    assert main(["--db", db, "coverage", "--by", "desa", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {r["code"] for r in out["rows"]} >= {"33.25.01.2001", "33.25.02.2001"}
    assert out["without_desa"] == 1
    assert main(["--db", db, "plan", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["by"] == "desa" and out["places"][0]["rank"] == 1
    assert {"events", "needed", "change", "without"} <= set(out["places"][0])
    assert main(["--db", db, "plan", "--start", "1", "--json"]) == 0
    started = json.loads(capsys.readouterr().out)
    assert started["started"]["place_code"] == out["places"][0]["code"]
    assert main(["--db", db, "plan", "--start", "99"]) == 2


def test_first_import_change_is_null_in_json(ctx, tmp_path: Path) -> None:
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1))
    assert all(r["change"] is None for r in cov.coverage(ctx).to_json()["rows"])


def test_migration_0006_keeps_entries_and_totals_the_newest_import(tmp_path: Path) -> None:
    from sqlalchemy import text

    from counter.store.db import Database
    from counter.store.migrate import upgrade

    db = Database(str(tmp_path / "m.db"))
    upgrade(db, "0004")
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO registry_import (source, imported_at, read, inserted, "
                "updated, rejected) VALUES ('a.csv', '2026-11-01 00:00:00', 2, 2, 0, 0)"
            )
        )
        for n, s in ((N("01", 1), "active"), (N("02", 2), "not_active")):
            c.execute(
                text("INSERT INTO registry_entry (nik, ikd_status, import_id) VALUES (:n, :s, 1)"),
                {"n": n, "s": s},
            )
    upgrade(db, "head")
    with db.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT level, code, residents, active FROM registry_coverage ORDER BY level, code"
            )
        ).all()
        ddl = c.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'registry_entry'")
        ).scalar()
    assert [tuple(r) for r in rows] == [("d", 0, 2, 1), ("k", 1, 1, 1), ("k", 2, 1, 0)]
    assert "WITHOUT ROWID" in ddl
    from alembic.command import downgrade

    from counter.store.migrate import alembic_config

    cfg = alembic_config(db)
    with db.write_engine.begin() as c:
        cfg.attributes["connection"] = c
        downgrade(cfg, "0004")
    with db.engine.connect() as c:
        ddl = c.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'registry_entry'")
        ).scalar()
        kept = c.execute(text("SELECT nik, ikd_status FROM registry_entry ORDER BY nik")).all()
    assert "WITHOUT ROWID" in ddl and "desa" not in ddl
    assert [tuple(k) for k in kept] == [(N("01", 1), "active"), (N("02", 2), "not_active")]
    db.dispose()


def test_name_of_two_kecamatan_outside_both_is_reported(ctx, tmp_path: Path) -> None:
    """Only this cell is wrong: the fastest path finds it while writing (rolled back) and the
    general path reports it."""
    rows = [*ROWS1, (N("02", 12), "Sendang", "BELUM", "")]  # no Sendang in Bandar
    res = import_registry(ctx, extract(tmp_path / "s.csv", rows))
    assert res.desa is not None and res.desa["unmatched"] == {"Sendang": 1}
    assert res.read == 10 and res.inserted == 10
    d = cov.coverage(ctx, "desa")
    assert d.without_desa == 2 and by_code(d)["33.25.01.2005"] == (1, 0, 1, None)
