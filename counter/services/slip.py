"""The resident's slip: a PDF (fpdf2) for 80 mm receipt paper or A6, with the install QR.

Resident-facing, so always in Indonesian: office, date and time, masked NIK, outcome in words,
the next steps for that outcome, the install QR (and the help QR when configured). Files are kept
in ``settings.slips_dir`` so a slip can be printed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from counter.domain import nik as nikmod
from counter.errors import UserError
from counter.i18n import catalog
from counter.services.context import Context
from counter.services.pdftext import unicode_font
from counter.services.qr import QrError, draw_pdf, optional_payload

PAPERS = ("80mm", "a6")
SLIP_LANG = "id"  # the slip goes home with the resident


class SlipError(UserError, ValueError):
    prefix = ""


@dataclass(frozen=True)
class SlipData:
    """Everything printed on a slip (already in words, NIK already masked)."""

    office_name: str
    title: str
    when: str
    counter_id: str
    officer: str
    masked_nik: str
    visit_ref: str
    outcome_code: str
    outcome_text: str
    reason_text: str
    next_steps: list[str]
    install_url: str
    help_payload: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


def _reason(ctx: Context, reason: str | None) -> tuple[str, str]:
    """(reason in words, the resident's next step for it) from the protocol file; the bare code
    and no step when unknown. The officer's remedy is never printed: it speaks to the officer."""
    if not reason:
        return "", ""
    from counter.domain.protocol import ProtocolError, cached_protocol

    try:
        proto = cached_protocol(getattr(ctx.settings, "protocol_file", "") or None)
    except (ProtocolError, OSError):
        return reason, ""
    text = proto.reason_text(reason, SLIP_LANG)
    source = proto.problems.get(reason) or next(
        (p for p in proto.prerequisites if p.id == reason), None
    )
    resident = source.resident if source is not None else None
    return text, resident.get(SLIP_LANG) if resident else ""


def slip_data(ctx: Context, visit_id: str) -> SlipData:
    """The slip's content for a recorded visit."""
    from counter.services.accounts import get_by_id
    from counter.services.visits import get_visit

    visit = get_visit(ctx, visit_id)
    if visit is None:
        raise SlipError("slip.visit_missing", visit_id=visit_id)
    msg = catalog(SLIP_LANG)
    code = visit.outcome or "UNKNOWN"
    if not msg.has(f"slip.outcome.{code}"):
        code = "UNKNOWN"
    officer = get_by_id(ctx, visit.officer_id)
    officer_name = (officer.full_name or officer.username) if officer else ""
    ts = ctx.local(visit.ended_at or visit.started_at)
    reason_text, remedy = _reason(ctx, visit.reason)
    steps = [s.strip() for s in msg.t(f"slip.next.{code}").splitlines() if s.strip()]
    if remedy:
        steps.insert(0, remedy)
    install = optional_payload(ctx.settings, "install")
    if install is None:
        raise QrError("qr.error.empty_install")
    help_p = optional_payload(ctx.settings, "help")
    labels = {
        k: msg.t(f"slip.{k}")
        for k in (
            "subtitle",
            "date",
            "counter",
            "officer",
            "nik",
            "outcome_label",
            "visit",
            "next_title",
            "install_qr",
            "help_qr",
            "fake_apk",
            "footer",
        )
    }
    return SlipData(
        office_name=ctx.settings.office_name,
        title=msg.t("slip.title"),
        when=ts.strftime("%d-%m-%Y %H:%M ") + (ts.tzname() or ""),
        counter_id=visit.counter_id or ctx.settings.counter_id,
        officer=officer_name,
        masked_nik=nikmod.mask(visit.nik),
        visit_ref=visit.id[:8].upper(),
        outcome_code=code,
        outcome_text=msg.t(f"slip.outcome.{code}"),
        reason_text=reason_text,
        next_steps=steps,
        install_url=install.text,
        help_payload=help_p.text if help_p else None,
        labels=labels,
    )


@dataclass(frozen=True)
class _Geometry:
    width: float  # page width, mm
    margin: float
    base: float  # body font size, pt
    qr: float  # install QR size, mm
    qr_help: float


_GEOMETRY = {
    "80mm": _Geometry(80.0, 4.0, 9.0, 42.0, 30.0),
    "a6": _Geometry(105.0, 6.0, 8.0, 36.0, 30.0),
}
A6_HEIGHT = 148.0
MIN_QR = 20.0  # mm (0.5 mm modules for a store link): still easy for a phone camera


def _render(data: SlipData, paper: str, height: float):  # noqa: ANN202 - FPDF
    """Lay the slip out on a page ``height`` mm long; returns (pdf, height used)."""
    slip = _SlipPage(data, paper, height)
    slip.header()
    slip.outcome()
    slip.next_steps()
    qrs = [(data.labels["install_qr"], data.install_url, slip.g.qr)]
    if data.help_payload:
        qrs.append((data.labels["help_qr"], data.help_payload, slip.g.qr_help))
    if paper == "a6":
        slip.codes_side_by_side(qrs)
    else:
        slip.codes_one_below_the_other(qrs)
    slip.footer()
    return slip.pdf, slip.pdf.get_y() + slip.g.margin


class _SlipPage:
    """The slip's drawing steps on one FPDF document (geometry of the paper)."""

    def __init__(self, data: SlipData, paper: str, height: float) -> None:
        from fpdf import FPDF

        g = self.g = _GEOMETRY[paper]
        self.data, self.lb, self.height = data, data.labels, height
        pdf = self.pdf = FPDF(orientation="P", unit="mm", format=(g.width, height))
        pdf.set_auto_page_break(paper == "a6", margin=g.margin)
        pdf.set_margins(g.margin, g.margin, g.margin)
        self.font = unicode_font(pdf)
        pdf.set_title(data.title)
        pdf.add_page()
        self.w = g.width - 2 * g.margin
        self.lh = g.base * 0.45  # line height in mm for the body size

    def text(self, s: str, size: float | None = None, style: str = "", align: str = "L") -> None:
        size = self.g.base if size is None else size
        self.pdf.set_font(self.font, style, size)
        self.pdf.set_x(self.g.margin)
        self.pdf.multi_cell(self.w, size * 0.45, s, align=align, new_x="LMARGIN", new_y="NEXT")

    def rule(self) -> None:
        pdf, g = self.pdf, self.g
        y = pdf.get_y() + 1
        pdf.set_line_width(0.3)
        pdf.set_draw_color(0, 0, 0)
        pdf.line(g.margin, y, g.width - g.margin, y)
        pdf.set_y(y + 1.5)

    def row(self, label: str, value: str, bold: bool = False) -> None:
        pdf, g = self.pdf, self.g
        lw = 22.0
        pdf.set_x(g.margin)
        pdf.set_font(self.font, "", g.base)
        pdf.cell(lw, self.lh, label)
        pdf.set_font(self.font, "B" if bold else "", g.base)
        pdf.multi_cell(self.w - lw, self.lh, value, align="L", new_x="LMARGIN", new_y="NEXT")

    def header(self) -> None:
        data, lb, base = self.data, self.lb, self.g.base
        self.text(data.office_name, base + 2, "B", "C")
        self.text(data.title, base + 1, "B", "C")
        self.text(lb["subtitle"], base - 1, "", "C")
        self.rule()
        self.row(lb["date"], data.when)
        self.row(lb["counter"], data.counter_id)
        if data.officer:
            self.row(lb["officer"], data.officer)
        self.row(lb["nik"], data.masked_nik)
        self.row(lb["visit"], data.visit_ref)
        self.rule()

    def outcome(self) -> None:
        data, base = self.data, self.g.base
        self.text(self.lb["outcome_label"], base - 1)
        self.text(data.outcome_text, base + 3, "B")
        if data.reason_text:
            self.text(data.reason_text, base, "I")
        self.rule()

    def next_steps(self) -> None:
        pdf, g = self.pdf, self.g
        self.text(self.lb["next_title"], g.base, "B")
        for i, step in enumerate(self.data.next_steps, 1):
            pdf.set_font(self.font, "", g.base)
            pdf.set_x(g.margin)
            pdf.cell(5, self.lh, f"{i}.")
            pdf.multi_cell(self.w - 5, self.lh, step, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(pdf.get_y() + 0.6)
        self.rule()

    def codes_side_by_side(self, qrs: list[tuple[str, str, float]]) -> None:
        """One A6 page: the codes sit side by side and shrink (not below MIN_QR) to what is
        left."""
        pdf, g, data, lb = self.pdf, self.g, self.data, self.lb
        col = self.w / len(qrs)
        # captions, URL line, help contact line, warning, rule, footer
        reserve = 6.0 + (5 + (1 if data.help_payload else 0)) * g.base * 0.45
        room = self.height - g.margin - pdf.get_y() - reserve
        if room < MIN_QR:
            pdf.add_page()
            room = self.height - 2 * g.margin - reserve
        size = max(MIN_QR, min(g.qr, col - 4, room))
        y0 = pdf.get_y()
        bottoms = []
        for i, (caption, payload, _size) in enumerate(qrs):
            x0 = g.margin + i * col
            pdf.set_xy(x0, y0)
            pdf.set_font(self.font, "B", g.base - 1)
            pdf.multi_cell(col - 2, (g.base - 1) * 0.45, caption, align="C")
            yq = pdf.get_y() + 0.5
            draw_pdf(pdf, payload, x0 + (col - size) / 2, yq, size)
            bottoms.append(yq + size)
        pdf.set_y(max(bottoms) + 0.5)
        self.text(data.install_url, g.base - 2.5, "", "C")
        if data.help_payload:  # the help contact in words too: not everyone can scan
            self.text(f"{lb['help_qr']} {data.help_payload}", g.base - 2, "", "C")

    def codes_one_below_the_other(self, qrs: list[tuple[str, str, float]]) -> None:
        """The 80 mm roll: each code full size under its caption, its text below it."""
        pdf, g = self.pdf, self.g
        for caption, payload, size in qrs:
            self.text(caption, g.base, "B", "C")
            y = pdf.get_y() + 0.5
            draw_pdf(pdf, payload, (g.width - size) / 2, y, size)
            pdf.set_y(y + size + 0.5)
            self.text(payload, g.base - 2.5, "", "C")
            pdf.set_y(pdf.get_y() + 1)

    def footer(self) -> None:
        self.text(self.lb["fake_apk"], self.g.base - 0.5, "B", "C")
        self.rule()
        self.text(self.lb["footer"], self.g.base - 1, "", "C")


def render_slip(data: SlipData, path: Path, paper: str = "80mm") -> Path:
    """Write the slip PDF. 80 mm: one page as long as the content; A6: 105 x 148 mm pages."""
    if paper not in PAPERS:
        raise SlipError("slip.paper_bad", paper=paper)
    if paper == "80mm":
        _, used = _render(data, paper, 1000.0)
        pdf, _ = _render(data, paper, max(used, 80.0))
    else:
        pdf, _ = _render(data, paper, A6_HEIGHT)
    from counter.store.files import private_dir, private_file

    private_dir(path.parent)  # slips carry a NIK: 0600 files in a 0700 folder
    tmp = path.with_name(path.name + ".tmp")
    private_file(tmp)
    pdf.output(str(tmp))
    tmp.replace(path)
    return path


def slip_path(
    ctx: Context, data: SlipData, visit_id: str, paper: str, out_dir: Path | None = None
) -> Path:
    folder = Path(out_dir) if out_dir else ctx.settings.slips_dir
    return folder / f"slip-{visit_id}-{paper}.pdf"


def make_slip(
    ctx: Context, visit_id: str, paper: str | None = None, out_dir: Path | None = None
) -> Path:
    """Build the slip PDF of a visit and return its path (kept for reprinting).

    ``paper``: "80mm" or "a6" (default: settings.printing.paper); ``out_dir``: default
    settings.slips_dir. Raises SlipError / QrError (both with ``message(lang)``)."""
    paper = paper or ctx.settings.printing.paper
    if paper not in PAPERS:
        raise SlipError("slip.paper_bad", paper=paper)
    data = slip_data(ctx, visit_id)
    path = slip_path(ctx, data, visit_id, paper, out_dir)
    try:
        if out_dir is None:
            from counter.store.files import private_dir

            private_dir(path.parent, tighten=True)  # the app's own slips folder
        return render_slip(data, path, paper)
    except OSError as e:
        raise QrError("qr.error.write", file=str(path), detail=e.strerror or str(e)) from None
