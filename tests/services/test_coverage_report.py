"""The shareable one-page report: A4 PDF, PNG, the service's numbers, no NIK and no name."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from counter.cli import main
from counter.services import sharereport
from tests.helpers.supervisor import DAY, build
from tests.services.test_coverage import ROWS1, extract


def _pdf_text(path: Path) -> tuple[int, tuple[float, float], str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[0]
        text = page.get_textpage().get_text_range()
        return len(doc), page.get_size(), text
    finally:
        doc.close()


@pytest.fixture
def day(ctx, clock, tmp_path: Path):
    from counter.services.registry import import_registry

    fx = build(ctx, clock)
    import_registry(ctx, extract(tmp_path / "a.csv", ROWS1))
    return fx


def test_pdf_is_one_a4_page_without_nik_or_names(ctx, day, tmp_path: Path) -> None:
    pdf, png = tmp_path / "r.pdf", tmp_path / "r.png"
    data = sharereport.render(ctx, DAY, pdf=pdf, png=png)
    pages, (w, h), text = _pdf_text(pdf)
    assert pages == 1
    assert abs(w - 595.28) < 1 and abs(h - 841.89) < 1  # A4 in points
    assert not re.search(r"\d{16}", text.replace(" ", "").replace("\n", ""))
    for name in ("Siti", "Budi", "Kasi", "WARGA"):
        assert name not in text
    assert "Laporan Layanan IKD" in text
    # the numbers are the services' numbers
    assert data.report.visits == 11 and data.report.outcomes["ACTIVATED"] == 3
    assert "Wonotunggal" in text and "Bandar" in text
    for row in data.coverage.rows:
        assert f"{row.residents:,}".replace(",", ".") in text
    assert data.days[-1] == (DAY, 11, 3)
    for f in (pdf, png):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600


def test_png_is_a_valid_image_sized_for_a_chat(ctx, day, tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "r.png"
    sharereport.render(ctx, DAY, png=png)
    with Image.open(png) as img:
        img.verify()
    with Image.open(png) as img:
        assert img.format == "PNG" and img.size == sharereport.PNG_SIZE


def test_layout_texts_hold_no_nik_or_name(ctx, day) -> None:
    data = sharereport.collect(ctx, DAY)
    texts = " ".join(sharereport.layout(data, ctx.msg.t).texts())
    assert not re.search(r"\d{16}", texts)
    assert "Siti" not in texts and "siti" in texts  # usernames, never full names


def test_cli_report_pdf_and_png(ctx, day, tmp_path: Path, capsys) -> None:
    ctx.db.dispose()
    db = str(tmp_path / "counter.db")
    pdf, png = tmp_path / "w.pdf", tmp_path / "w.png"
    assert (
        main(
            [
                "--db",
                db,
                "report",
                "--from",
                "2026-11-21",
                "--to",
                "2026-11-27",
                "--pdf",
                str(pdf),
                "--png",
                str(png),
            ]
        )
        == 0
    )
    assert _pdf_text(pdf)[0] == 1 and png.stat().st_size > 1000
    capsys.readouterr()
    assert (
        main(
            [
                "--db",
                db,
                "report",
                "--date",
                "2026-11-27",
                "--pdf",
                str(tmp_path / "nope" / "x.pdf"),
            ]
        )
        != 0
    )
    # an existing file is never replaced, and nothing is written when one name is taken
    before = pdf.read_bytes()
    fresh = tmp_path / "fresh.png"
    assert (
        main(["--db", db, "report", "--date", "2026-11-27", "--png", str(fresh), "--pdf", str(pdf)])
        != 0
    )
    assert pdf.read_bytes() == before and not fresh.exists()
    assert main(["--db", db, "report", "--pdf", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "sudah ada" in err
    assert not list(tmp_path.glob(".report-*"))
