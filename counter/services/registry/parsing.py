"""Pure parsing of a registry extract: header names, status words, activation dates, NIK cells.

No file, no database: everything here is a function of its arguments (tests call them directly).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from counter.domain import outcomes as oc

HEADER_SCAN_ROWS = 20  # title rows above the header are common in office sheets

# ---- headers ----------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DATE_WORDS = {"tgl", "tanggal", "date", "waktu", "tglaktivasi", "on"}
_ACT_WORDS = {"aktivasi", "aktif", "activation", "activated", "ikd", "diaktifkan"}
_NOT_STATUS = {
    "kawin",
    "perkawinan",
    "hubungan",
    "keluarga",
    "hidup",
    "pekerjaan",
    "rekam",
    "perekaman",
    "ktp",
    "kk",
}


def norm_header(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "").lower()
    return _NON_ALNUM.sub(" ", text).strip()


def _nik_score(h: str) -> int:
    tokens = h.split()
    compact = h.replace(" ", "")
    if compact == "nik":  # NIK, N.I.K, N I K
        return 4
    if compact in ("nonik", "nomornik", "niknumber", "nikktp", "nikpenduduk"):
        return 3
    if "kk" in tokens or "kepala" in tokens or "nama" in tokens:
        return 0
    if "nik" in tokens:
        return 3
    if "nomor induk kependudukan" in h or h in ("id number", "national id", "nik number"):
        return 2
    return 0


def _status_score(h: str) -> int:
    tokens = set(h.split())
    if not tokens or tokens & _DATE_WORDS or "tgl" in h:
        return 0
    if "ikd" in tokens and ("status" in tokens or "aktivasi" in tokens or "aktif" in tokens):
        return 4
    if "ikd" in tokens and not tokens & _NOT_STATUS:
        return 3
    if h in (
        "status",
        "status aktivasi",
        "aktivasi",
        "activation status",
        "activated",
        "active",
        "status aktif",
        "sudah aktivasi",
        "keterangan aktivasi",
    ):
        return 2
    if "status" in tokens and not tokens & _NOT_STATUS:
        return 1
    return 0


def _date_score(h: str) -> int:
    tokens = set(h.split())
    if h in ("activated on", "activation date", "activated at", "tglaktivasi"):
        return 4
    if "lahir" in tokens or "birth" in tokens:
        return 0
    has_date = bool(tokens & _DATE_WORDS) or h.startswith("tgl")
    if has_date and tokens & _ACT_WORDS:
        return 3
    if h in ("tanggal", "tgl", "date"):
        return 1
    return 0


def match_columns(headers: Sequence[object]) -> tuple[int | None, int | None, int | None]:
    """(nik, status, activation date) column indexes, matched loosely (Indonesian or English)."""
    normed = [norm_header(h) for h in headers]

    def best(score: Callable[[str], int], taken: set[int]) -> int | None:
        pick, top = None, 0
        for i, h in enumerate(normed):
            s = score(h)
            if s > top and i not in taken:
                pick, top = i, s
        return pick

    ni = best(_nik_score, set())
    di = best(_date_score, {ni} if ni is not None else set())
    si = best(_status_score, {i for i in (ni, di) if i is not None})
    return ni, si, di


# ---- values -----------------------------------------------------------------------------------

_ACTIVE_WORDS = {
    "SUDAH",
    "YA",
    "Y",
    "YES",
    "AKTIF",
    "ACTIVE",
    "1",
    "TRUE",
    "SUDAH AKTIF",
    "SUDAH AKTIVASI",
    "SUDAH AKTIVASI IKD",
    "TELAH AKTIVASI",
    "TERAKTIVASI",
    "ACTIVATED",
    "IKD AKTIF",
    "SUDAH IKD",
}
_NOT_ACTIVE_WORDS = {
    "BELUM",
    "TIDAK",
    "N",
    "NO",
    "TIDAK AKTIF",
    "BELUM AKTIF",
    "BELUM AKTIVASI",
    "BELUM AKTIVASI IKD",
    "TIDAK AKTIVASI",
    "NON AKTIF",
    "NONAKTIF",
    "INACTIVE",
    "NOT ACTIVE",
    "0",
    "FALSE",
    "BELUM IKD",
}
_WS = re.compile(r"[\s_\-]+")


def status_code(raw: object) -> str | None:
    """``active`` / ``not_active`` from a status word (case-insensitive), None if unknown."""
    if isinstance(raw, bool):
        return oc.ACTIVE if raw else oc.NOT_ACTIVE
    if isinstance(raw, (int, float)):
        return oc.ACTIVE if raw == 1 else oc.NOT_ACTIVE if raw == 0 else None
    if raw is None:
        return None
    word = _WS.sub(" ", str(raw)).strip().upper()
    if word in _ACTIVE_WORDS:
        return oc.ACTIVE
    if word in _NOT_ACTIVE_WORDS:
        return oc.NOT_ACTIVE
    return None


_DMY = re.compile(
    r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}"
    r"(?:\.\d+)?)?)?$"
)
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_BAD = object()
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(raw: object, today: date) -> date | None:
    """An activation date (dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd, XLSX date cells); None when the
    cell is empty; ValueError when it is not a date or lies in the future."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        d = raw.date()
    elif isinstance(raw, date):
        d = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not 20000 <= raw <= 80000:  # an Excel serial day number, not formatted as a date
            raise ValueError(raw)
        d = _EXCEL_EPOCH + timedelta(days=int(raw))
    else:
        text = str(raw).strip()
        if not text:
            return None
        m = _DMY.match(text)
        if m:
            d = date(int(m[3]), int(m[2]), int(m[1]))
        else:
            m = _YMD.match(text)
            if not m:
                raise ValueError(text)
            d = date(int(m[1]), int(m[2]), int(m[3]))
    if d > today or d.year < 2000:
        raise ValueError(raw)
    return d


BAD_DATE = _BAD  # parse_date's marker in a date map: the cell is not a valid date


def is_empty(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def find_header(rows: Sequence[Sequence[object]]) -> tuple[int, list[str]] | None:
    """(index, cells) of the first row naming a NIK column."""
    for i, row in enumerate(rows):
        ni, _, _ = match_columns(row)
        if ni is not None:
            return i, ["" if c is None else str(c) for c in row]
    return None


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel "CSV (ANSI)"


def detect_delimiter(text: str) -> str:
    """`,` `;` or tab, judged on the header line (the first line naming a NIK column)."""
    lines = [ln for ln in text[:65536].splitlines()[:HEADER_SCAN_ROWS] if ln.strip()]
    if not lines:
        return ","
    probe = next((ln for ln in lines if "nik" in ln.lower()), lines[0])
    counts = {d: probe.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def numeric_nik(v: float) -> str:
    """A NIK stored as a number. Excel keeps 15 significant digits, so a 16-digit number cell
    ending in 0 may have lost its last digit: it is shown as Excel shows it, and rejected."""
    if isinstance(v, float) and not v.is_integer():
        return repr(v)
    i = int(v)
    if len(str(i)) == 16 and i % 10 != 0:
        return str(i)  # all 16 digits survived (the file was not saved by Excel)
    return f"{i}.0" if len(str(i)) >= 15 else str(i)


# ---- NIK cells ----------------------------------------------------------------------------------


# Birth-date digits (ddmmyy, women +40) that nik.birth_date accepts: with the 19yy/20yy choice
# every day/month pair is a date except 29 February of a year that is not a leap year in either
# century (yy % 4 != 0). tests/test_registry_import.py checks this against nik.birth_date.
BIRTH_DIGITS_RE = (
    r"(?:(?:0[1-9]|1[0-9]|2[0-8]|4[1-9]|5[0-9]|6[0-8])(?:0[1-9]|1[0-2])[0-9]{2}"
    r"|(?:29|69)(?:0[13-9]|1[0-2])[0-9]{2}"
    r"|(?:29|69)02(?:[02468][048]|[13579][26])"
    r"|(?:30|70)(?:0[13-9]|1[0-2])[0-9]{2}"
    r"|(?:31|71)(?:0[13578]|1[02])[0-9]{2})"
)


def batang_nik_pattern() -> str:
    """A valid Batang NIK: district known, birth date possible, serial not 0000."""
    from counter.domain import regions

    prefixes = "|".join(r.code.replace(".", "") for r in regions.districts())
    return f"(?:{prefixes}){BIRTH_DIGITS_RE}(?!0000)[0-9]{{4}}"


BATANG_NIK = batang_nik_pattern()
