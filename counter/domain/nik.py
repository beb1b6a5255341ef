"""Validate and decode a NIK (Nomor Induk Kependudukan): python-stdnum plus Batang's own rules."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date

from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnik

from counter.domain.regions import BATANG_PREFIX, district_name
from counter.errors import UserError

# Error codes, each naming the part of the NIK that is wrong.
EMPTY = "empty"
EXCEL = "excel_number"
NON_DIGITS = "non_digits"
LENGTH = "length"
REGION = "region"
DATE = "date"
SERIAL = "serial"
ERROR_CODES = (EMPTY, EXCEL, NON_DIGITS, LENGTH, REGION, DATE, SERIAL)

_EXCEL_RE = re.compile(r"^\s*\d(?:[.,]\d+)?\s*[eE]\s*[+]?\s*\d{1,3}\s*$")
_FLOAT_RE = re.compile(r"^\s*\d{15,16}[.,]0+\s*$")
_SEPARATORS = str.maketrans("", "", " .-\t\u00a0")


class NikError(UserError, ValueError):
    """A NIK was rejected; ``code`` is one of ERROR_CODES, ``params`` fill the message."""

    prefix = "nik.error"


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province_code: str
    regency_code: str
    district_code: str
    district_name: str | None
    in_batang: bool
    birth_date: date
    sex: str  # "M" or "F"
    serial: str

    def age(self, on: date) -> int:
        return age_on(self.birth_date, on)

    def to_json(self, today: date) -> dict[str, object]:
        d = asdict(self)
        d["birth_date"] = self.birth_date.isoformat()
        d["age"] = self.age(today)
        d["valid"] = True
        d["error"] = None
        return d


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def clean(raw: str) -> str:
    """Remove the separators people type or paste (spaces, dots, dashes)."""
    return raw.translate(_SEPARATORS)


def looks_excel_mangled(raw: str) -> bool:
    return bool(_EXCEL_RE.match(raw) or _FLOAT_RE.match(raw))


def birth_date(ddmmyy: str, today: date) -> date:
    """Birth date from the 6 date digits, choosing the century that gives a plausible age.

    stdnum tries 19yy first, so a 2005 birth would come back as 1905; we take 20yy unless that
    date is still in the future.
    """
    day = int(ddmmyy[0:2])
    if day > 40:
        day -= 40
    month, yy = int(ddmmyy[2:4]), int(ddmmyy[4:6])
    for year in (2000 + yy, 1900 + yy):
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    raise NikError(DATE, digits=ddmmyy)


def parse(raw: object, today: date | None = None) -> NikInfo:
    """Validate and decode; raises NikError (and only NikError) for anything invalid."""
    today = today or date.today()
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    if not raw.strip():
        raise NikError(EMPTY)
    if looks_excel_mangled(raw):
        raise NikError(EXCEL, value=raw.strip())
    number = clean(raw)
    if not number.isascii() or not number.isdigit():
        bad = next((c for c in number if not (c.isascii() and c.isdigit())), "?")
        raise NikError(NON_DIGITS, char=bad)
    if len(number) != 16:
        raise NikError(LENGTH, length=len(number))
    province, regency, district = number[0:2], number[2:4], number[4:6]
    in_batang = number.startswith(BATANG_PREFIX)
    try:
        stdnik._check_registration_place(number)  # province + regency known to stdnum
        known_prefix = True
    except (ValidationError, LookupError, IndexError):
        known_prefix = in_batang
    name = district_name(number[:6]) if in_batang else None
    # stdnum knows provinces only; outside Batang we can check no more than "not 00".
    if not known_prefix or "00" in (regency, district) or (in_batang and name is None):
        raise NikError(REGION, region=f"{province}.{regency}.{district}")
    born = birth_date(number[6:12], today)
    if number[12:16] == "0000":
        raise NikError(SERIAL)
    sex = "F" if int(number[6:8]) > 40 else "M"
    return NikInfo(
        nik=number,
        province_code=province,
        regency_code=regency,
        district_code=district,
        district_name=name,
        in_batang=in_batang,
        birth_date=born,
        sex=sex,
        serial=number[12:16],
    )


def check(raw: object, today: date | None = None) -> tuple[NikInfo | None, NikError | None]:
    try:
        return parse(raw, today), None
    except NikError as e:
        return None, e


def mask(nik: str) -> str:
    """Masked NIK for lists: region prefix and last 2 digits, e.g. ``3325**********01``."""
    if len(nik) != 16:
        return "*" * len(nik)
    return nik[:4] + "*" * 10 + nik[-2:]


def compose(district6: str, born: date, sex: str, serial: int) -> str:
    """Build a NIK from its parts (used by tests and sample data)."""
    day = born.day + (40 if sex == "F" else 0)
    return f"{district6}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
