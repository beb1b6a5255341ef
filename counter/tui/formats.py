"""Numbers and dates as a person reads them: Indonesian ``44.639`` and ``30-11-2026``, English
``44,639`` and ``2026-11-30``. One place, so every screen writes them the same way."""

from __future__ import annotations

from datetime import date, datetime


def fmt_int(n: int, lang: str) -> str:
    """A whole number with thousands separators: dots in Indonesian, commas in English."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "id" else text


def fmt_date(d: date | None, lang: str) -> str:
    """A day: DD-MM-YYYY in Indonesian, YYYY-MM-DD in English; "-" when there is none."""
    if d is None:
        return "-"
    return d.strftime("%d-%m-%Y") if lang == "id" else d.isoformat()


def parse_date(text: str) -> date:
    """A day typed as DD-MM-YYYY or YYYY-MM-DD (also with / or .); ValueError otherwise."""
    s = text.strip().replace("/", "-").replace(".", "-")
    for pattern in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def fmt_dec(x: float, lang: str, digits: int = 1) -> str:
    """A decimal number: ``12,5`` in Indonesian (dots group thousands), ``12.5`` in English."""
    text = f"{x:,.{digits}f}"
    if lang != "id":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
