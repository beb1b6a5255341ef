"""``ikd-counter registry import``: the desa names that matched nothing are listed in the text
output too (the first 20, then how many more) with the file that holds them all (issue 15)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from counter.cli import main
from counter.domain import nik as nikmod
from tests.helpers.auth import AS_SUP, SUP_PIN, add_supervisor, stdin


def N(i: int, district: str = "332502") -> str:
    return nikmod.compose(district, date(1990, 5, 3), "M", i)


def test_unmatched_desa_names_are_listed_capped_with_the_full_list_in_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "c.db")
    add_supervisor(db)
    # 25 names that match no desa; "Atlantis 00" on three rows, so it comes first
    names = ["Atlantis 00"] * 3 + [f"Atlantis {k:02d}" for k in range(1, 25)]
    lines = ["NIK,KELURAHAN,STATUS IKD,TGL AKTIVASI"]
    lines += [f"{N(i + 1)},{name},BELUM," for i, name in enumerate(names)]
    lines.append(f"{N(99, '332501')},Sendang,SUDAH,01/02/2025")  # a desa of 33.25.01
    f = tmp_path / "r.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stdin(monkeypatch, SUP_PIN)
    assert main(["--db", db, "--lang", "en", "registry", "import", str(f), *AS_SUP]) == 0
    text = capsys.readouterr().out
    assert "25 desa/kelurahan names in the column KELURAHAN did not match" in text
    assert "(27 rows kept without a desa)" in text
    assert "  Atlantis 00: 3 rows" in text.splitlines()
    shown = [ln for ln in text.splitlines() if ln.startswith("  Atlantis")]
    assert len(shown) == 20
    assert "  ... and 5 more" in text.splitlines()
    full = tmp_path / "r.csv.desa-unmatched.csv"
    assert f"The full list: {full}" in text
    with full.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == ["desa/kelurahan as written", "rows"]
    assert rows[1] == ["Atlantis 00", "3"] and len(rows) == 1 + 25
    assert "Sendang" not in {r[0] for r in rows}
    assert full.stat().st_mode & 0o777 == 0o600


def test_no_list_when_every_desa_matched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "c.db")
    add_supervisor(db)
    f = tmp_path / "ok.csv"
    f.write_text(f"NIK,KELURAHAN,STATUS IKD\n{N(1, '332501')},Sendang,SUDAH\n", encoding="utf-8")
    stdin(monkeypatch, SUP_PIN)
    assert main(["--db", db, "--lang", "en", "registry", "import", str(f), *AS_SUP]) == 0
    assert "did not match" not in capsys.readouterr().out
    assert not (tmp_path / "ok.csv.desa-unmatched.csv").exists()
