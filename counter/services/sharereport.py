"""The supervisor's report as one A4 page to share: a PDF, and a PNG for a chat group.

One layout (a list of boxes, texts and bars in millimetres on A4) is drawn by two backends: fpdf2
for the PDF, Pillow for the PNG (1240 x 1754 pixels, 150 dpi), both with the packaged DejaVu Sans
Condensed (``services.pdftext``), so every character of a place or counter name prints. The content: the day's (or the range's) tiles, the last 14 days of visits and
activations as bars, this office's target progress, the district's coverage by kecamatan from the
extract (the two numbers apart, never added), and visits per officer and per counter.

No NIK and no resident's name is ever on it: only counts, place names, officer usernames and
counter ids. The files are written 0600 through a temporary name.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from counter.domain import outcomes as oc
from counter.errors import UserError
from counter.services.context import Context

PAGE_W, PAGE_H = 210.0, 297.0  # mm, A4
PNG_SIZE = (1240, 1754)
BLUE, GREEN, GREY, DARK = (33, 94, 168), (46, 139, 87), (200, 200, 200), (30, 30, 30)
HISTORY_DAYS = 14


class ShareError(UserError, OSError):
    prefix = "coverage.error"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 9
    bold: bool = False
    color: tuple[int, int, int] = DARK
    align: str = "L"  # L | R (x is the right edge)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: tuple[int, int, int] | None = None
    line: tuple[int, int, int] | None = None


@dataclass
class Layout:
    items: list[Text | Box] = field(default_factory=list)

    def text(self, *a: Any, **kw: Any) -> None:
        self.items.append(Text(*a, **kw))

    def box(self, *a: Any, **kw: Any) -> None:
        self.items.append(Box(*a, **kw))

    def texts(self) -> list[str]:
        return [i.text for i in self.items if isinstance(i, Text)]


@dataclass
class ReportData:
    """Every number on the page (the tests compare them with the services')."""

    date_from: date
    date_to: date
    report: Any  # services.report.Report
    days: list[tuple[date, int, int]]  # (day, visits, activated) for the last 14 days
    coverage: Any  # services.coverage.Coverage by kecamatan


def collect(ctx: Context, date_from: date, date_to: date | None = None) -> ReportData:
    from counter.services.coverage import coverage
    from counter.services.report import summary

    date_to = date_to or date_from
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    rep = summary(ctx, date_from, date_to)
    days = []
    for i in range(HISTORY_DAYS - 1, -1, -1):
        d = date_to - timedelta(days=i)
        r = summary(ctx, d)
        days.append((d, r.visits, r.outcomes[oc.ACTIVATED]))
    return ReportData(date_from, date_to, rep, days, coverage(ctx, "kecamatan"))


def _n(v: float) -> str:
    return f"{v:,}".replace(",", ".")


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%".replace(".", ",")


def layout(data: ReportData, t: Any, office: str = "") -> Layout:
    """The page: every text from the catalog ``t``; numbers with Indonesian separators."""
    lay = Layout()
    r = data.report
    title = (
        t("coverage.share.title_day", day=data.date_to.isoformat())
        if not r.is_range
        else t(
            "coverage.share.title_range",
            start=data.date_from.isoformat(),
            end=data.date_to.isoformat(),
        )
    )
    lay.box(0, 0, PAGE_W, 22, fill=BLUE)
    lay.text(12, 9, t("coverage.share.heading"), 15, True, (255, 255, 255))
    lay.text(12, 17, title + (f" - {office}" if office else ""), 10, False, (255, 255, 255))
    tiles = [
        (t("coverage.share.visits"), _n(r.visits)),
        (t("coverage.share.already"), _n(r.outcomes[oc.ALREADY_ACTIVE])),
        (t("coverage.share.attempted"), _n(r.attempted)),
        (t("coverage.share.activated"), _n(r.outcomes[oc.ACTIVATED])),
        (t("coverage.share.conversion"), _pct(r.conversion)),
    ]
    w = (PAGE_W - 24 - 4 * 3) / 5
    for i, (label, value) in enumerate(tiles):
        x = 12 + i * (w + 3)
        lay.box(x, 27, w, 20, line=GREY)
        lay.text(x + 2, 32, label, 7.5, False, (90, 90, 90))
        lay.text(x + 2, 43, value, 16, True)
    _history(lay, data, t, 53)
    _target(lay, data, t, 117)
    _coverage(lay, data, t, 149)
    _people(lay, data, t, 149)
    lay.text(12, PAGE_H - 8, t("coverage.share.footer"), 7, False, (110, 110, 110))
    return lay


def _history(lay: Layout, data: ReportData, t: Any, y: float) -> None:
    lay.text(12, y + 4, t("coverage.share.last_days", n=HISTORY_DAYS), 10, True)
    lay.box(12, y + 52, 4, 3, fill=GREY)
    lay.text(17, y + 55, t("coverage.share.visits"), 7)
    lay.box(42, y + 52, 4, 3, fill=GREEN)
    lay.text(47, y + 55, t("coverage.share.activated"), 7)
    peak = max([v for _, v, _ in data.days] + [1])
    col = (PAGE_W - 24) / len(data.days)
    base, height = y + 44, 34.0
    for i, (d, visits, act) in enumerate(data.days):
        x = 12 + i * col
        hv, ha = height * visits / peak, height * act / peak
        if hv:
            lay.box(x + 1, base - hv, col - 2, hv, fill=GREY)
        if ha:
            lay.box(x + 2.5, base - ha, col - 5, ha, fill=GREEN)
        lay.text(x + col - 1.5, base - hv - 1, str(visits), 6.5, align="R")
        lay.text(x + col - 1.5, base + 4, d.strftime("%d/%m"), 6.5, False, (90, 90, 90), "R")


def _target(lay: Layout, data: ReportData, t: Any, y: float) -> None:
    r = data.report
    lay.text(12, y, t("coverage.share.target"), 10, True)
    lay.text(
        12,
        y + 6,
        t(
            "coverage.share.target_office",
            total=_n(r.activated_total),
            goal=_n(r.goal),
            percent=_pct(r.target_percent),
            baseline=_n(r.baseline),
        ),
        8,
    )
    lay.box(12, y + 9, PAGE_W - 24, 5, line=GREY)
    share = min(1.0, r.activated_total / r.goal) if r.goal else 0.0
    if share:
        lay.box(12, y + 9, (PAGE_W - 24) * share, 5, fill=GREEN)
    lay.text(
        12,
        y + 19,
        t("coverage.share.needed", needed=_n(r.needed_per_day), days=r.working_days_left),
        8,
    )
    c = data.coverage
    lay.text(
        12,
        y + 24,
        t(
            "coverage.share.district",
            active=_n(c.active),
            residents=_n(c.residents),
            percent=_pct(c.percent),
        ),
        8,
    )


def _coverage(lay: Layout, data: ReportData, t: Any, y: float) -> None:
    c = data.coverage
    lay.text(12, y, t("coverage.share.coverage", percent=f"{c.target_percent:g}"), 10, True)
    cols = [
        (12, t("coverage.col.name"), "L"),
        (68, t("coverage.col.residents"), "R"),
        (84, t("coverage.col.active"), "R"),
        (99, t("coverage.col.percent"), "R"),
        (116, t("coverage.col.needed"), "R"),
    ]
    for x, label, al in cols:
        lay.text(x, y + 6, label, 7, True, align=al)
    if not c.rows:
        lay.text(12, y + 12, t("coverage.no_registry"), 8)
        return
    for i, row in enumerate(c.rows[:20]):
        yy = y + 11 + i * 5.2
        lay.text(12, yy, row.name[:26], 7.5)
        for x, v in (
            (68, _n(row.residents)),
            (84, _n(row.active)),
            (99, _pct(row.percent)),
            (116, _n(row.needed)),
        ):
            lay.text(x, yy, v, 7.5, align="R")


def _people(lay: Layout, data: ReportData, t: Any, y: float) -> None:
    r = data.report
    x0 = 124
    for title, table in (
        (t("coverage.share.officers"), r.by_officer),
        (t("coverage.share.counters"), r.by_counter),
    ):
        lay.text(x0, y, title, 10, True)
        lay.text(PAGE_W - 30, y + 6, t("coverage.share.visits"), 7, True, align="R")
        lay.text(PAGE_W - 12, y + 6, t("coverage.share.activated"), 7, True, align="R")
        rows = list(table.items())[:10] or [("-", {"visits": 0, "activated": 0})]
        for i, (name, row) in enumerate(rows):
            yy = y + 11 + i * 5
            lay.text(x0, yy, str(name)[:22], 7.5)
            lay.text(PAGE_W - 30, yy, _n(row["visits"]), 7.5, align="R")
            lay.text(PAGE_W - 12, yy, _n(row["activated"]), 7.5, align="R")
        y += 14 + len(rows) * 5


# ---- backends ----------------------------------------------------------------------------------


def to_pdf(lay: Layout) -> bytes:
    from fpdf import FPDF

    from counter.services.pdftext import unicode_font

    pdf = FPDF(format="A4", unit="mm")
    family = unicode_font(pdf)
    pdf.set_auto_page_break(False)
    pdf.set_creator("ikd-counter")
    pdf.add_page()
    for it in lay.items:
        if isinstance(it, Box):
            style = ("F" if it.fill else "") + ("D" if it.line else "")
            if it.fill:
                pdf.set_fill_color(*it.fill)
            if it.line:
                pdf.set_draw_color(*it.line)
            pdf.rect(it.x, it.y, it.w, it.h, style=style or "D")
        else:
            pdf.set_font(family, "B" if it.bold else "", it.size)
            pdf.set_text_color(*it.color)
            s = it.text
            x = it.x - pdf.get_string_width(s) if it.align == "R" else it.x
            pdf.text(x, it.y, s)
    return bytes(pdf.output())


def to_png(lay: Layout) -> bytes:
    import io

    from PIL import Image, ImageDraw, ImageFont

    from counter.domain.assets import asset_path

    img = Image.new("RGB", PNG_SIZE, "white")
    draw = ImageDraw.Draw(img)
    k = PNG_SIZE[0] / PAGE_W  # pixels per mm
    fonts: dict[tuple[int, bool], Any] = {}
    for it in lay.items:
        if isinstance(it, Box):
            draw.rectangle(
                [it.x * k, it.y * k, (it.x + it.w) * k, (it.y + it.h) * k],
                fill=it.fill,
                outline=it.line,
            )
            continue
        px = max(6, round(it.size * 0.3528 * k * 1.05))  # points -> mm -> pixels
        if (px, it.bold) not in fonts:
            name = "DejaVuSansCondensed-Bold.ttf" if it.bold else "DejaVuSansCondensed.ttf"
            fonts[(px, it.bold)] = ImageFont.truetype(str(asset_path("fonts", name)), px)
        anchor = "rs" if it.align == "R" else "ls"
        draw.text(
            (it.x * k, it.y * k), it.text, fill=it.color, font=fonts[(px, it.bold)], anchor=anchor
        )
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to a NEW file ``path`` as 0600, through a temporary file in the same
    folder; an existing file (or folder) is never replaced."""
    path = Path(path)
    if path.exists() or not path.parent.is_dir():
        raise ShareError("exists" if path.exists() else "no_folder", path=str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".report-", dir=str(path.parent))
    except OSError as e:
        raise ShareError("write", path=str(path), detail=e.strerror or str(e)) from e
    try:
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)  # fails when the name was taken meanwhile: never replaces
    except FileExistsError:
        raise ShareError("exists", path=str(path)) from None
    except OSError as e:
        raise ShareError("write", path=str(path), detail=e.strerror or str(e)) from e
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def render(
    ctx: Context,
    date_from: date,
    date_to: date | None = None,
    pdf: Path | None = None,
    png: Path | None = None,
) -> ReportData:
    """Collect the numbers and write the PDF and/or the PNG."""
    for f in (pdf, png):  # both names checked before either file is written
        if f is not None and (Path(f).exists() or not Path(f).parent.is_dir()):
            raise ShareError("exists" if Path(f).exists() else "no_folder", path=str(f))
    data = collect(ctx, date_from, date_to)
    lay = layout(data, ctx.msg.t, ctx.settings.office_name)
    if pdf is not None:
        write_private(pdf, to_pdf(lay))
    if png is not None:
        write_private(png, to_png(lay))
    return data
