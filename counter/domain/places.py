"""Places of coverage: a desa/kelurahan cell of the central extract matched to the region table.

A desa is kept as a small integer ``KKDDDD`` (kecamatan 2 digits, desa 4 digits, e.g. ``12001`` for
33.25.01.2001); the kecamatan of a resident comes from NIK digits 5-6. A desa cell may hold:

* a code, full (``33.25.01.2001``, ``3325012001``) or short (``01.2001``, ``012001``, or just
  ``2001`` inside the resident's kecamatan);
* a name, matched ignoring case, spaces and punctuation, with or without a "Desa"/"Kel."
  prefix. Eleven names occur in two kecamatan of Batang (Kalisalak, Sendang, ...): such a name
  is matched inside the kecamatan of the resident's NIK, else it stays unmatched.

Pure: no I/O beyond the packaged region table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from counter.domain import regions

AMBIGUOUS = -1  # a name of several desa: the resident's kecamatan decides
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PREFIXES = ("kelurahan", "desa", "kel", "ds")
_DIGITS = re.compile(r"^[0-9.\s/-]+$")


def desa_int(code: str) -> int:
    """``33.25.01.2001`` -> 12001."""
    parts = code.split(".")
    return int(parts[2]) * 10000 + int(parts[3])


def desa_code(value: int) -> str:
    """12001 -> ``33.25.01.2001``."""
    return f"33.25.{value // 10000:02d}.{value % 10000:04d}"


def kecamatan_code(kk: str | int) -> str:
    """``01`` or 1 -> ``33.25.01``."""
    return f"33.25.{int(kk):02d}"


def norm_name(raw: str) -> str:
    """Lower case, letters and digits only, without a leading Desa/Kel./Kelurahan."""
    words = _NON_ALNUM.sub(" ", raw.lower()).split()
    if len(words) > 1 and words[0] in _PREFIXES:
        words = words[1:]
    return "".join(words)


@dataclass(frozen=True)
class _Index:
    by_name: dict[str, tuple[int, ...]]
    by_kec_name: dict[tuple[int, str], int]
    codes: frozenset[int]


@lru_cache(maxsize=1)
def _index() -> _Index:
    by_name: dict[str, list[int]] = {}
    by_kec_name: dict[tuple[int, str], int] = {}
    codes = set()
    for r in regions.villages():
        v = desa_int(r.code)
        codes.add(v)
        key = norm_name(r.name)
        by_name.setdefault(key, []).append(v)
        by_kec_name[(v // 10000, key)] = v
    return _Index({k: tuple(v) for k, v in by_name.items()}, by_kec_name, frozenset(codes))


def _from_code(raw: str) -> int | None:
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 10 and digits.startswith(regions.BATANG_PREFIX):
        digits = digits[4:]
    if len(digits) == 6:
        v = int(digits)
        return v if v in _index().codes else None
    if len(digits) == 4:
        return AMBIGUOUS  # a desa number only: inside the resident's kecamatan
    return None


def match(raw: object) -> int | None:
    """The desa of a cell without knowing the resident: its ``KKDDDD``, AMBIGUOUS when the
    resident's kecamatan must decide, None when nothing matches (or the cell is empty)."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if _DIGITS.match(text):
        return _from_code(text)
    found = _index().by_name.get(norm_name(text))
    if not found:
        return None
    return found[0] if len(found) == 1 else AMBIGUOUS


def match_in(raw: object, kecamatan: int) -> int | None:
    """The desa of a cell for a resident of ``kecamatan`` (NIK digits 5-6 as an int)."""
    v = match(raw)
    if v != AMBIGUOUS:
        return v
    text = str(raw).strip()
    if _DIGITS.match(text):
        digits = "".join(ch for ch in text if ch.isdigit())
        code = kecamatan * 10000 + int(digits)
        return code if code in _index().codes else None
    return _index().by_kec_name.get((kecamatan, norm_name(text)))


def desa_name(value: int) -> str:
    r = regions.region(desa_code(value))
    return r.name if r else desa_code(value)


def kecamatan_name(kk: int) -> str:
    r = regions.region(kecamatan_code(kk))
    return r.name if r else kecamatan_code(kk)


def kecamatan_numbers() -> list[int]:
    """The kecamatan of Batang as ints (1 for 33.25.01), in code order."""
    return sorted(int(r.code.split(".")[2]) for r in regions.districts())


def desa_numbers() -> list[int]:
    return sorted(_index().codes)


# ---- the desa column of an extract -------------------------------------------------------------

_DESA_HEADERS = {
    "desa",
    "kelurahan",
    "kel",
    "desa kelurahan",
    "kelurahan desa",
    "desa kel",
    "nama desa",
    "nama kelurahan",
    "nama desa kelurahan",
    "kode desa",
    "kode kelurahan",
    "kode desa kelurahan",
    "village",
    "desa kel nama",
    "kel desa",
    "no kel",
    "no kel desa",
    "kd desa",
    "kd kel",
}


def is_desa_header(normed: str) -> bool:
    """A header (lower case, words separated by single spaces) naming a desa/kelurahan column."""
    if normed in _DESA_HEADERS:
        return True
    tokens = normed.split()
    return (
        bool(tokens)
        and tokens[0] in ("desa", "kelurahan")
        and len(tokens) <= 3
        and not (set(tokens) & {"status", "ikd", "tgl", "tanggal"})
    )


# ---- a desa cell the resident's kecamatan must decide, kept until the NIK is at hand ----------


@lru_cache(maxsize=1)
def _ambiguous_names() -> tuple[str, ...]:
    return tuple(sorted(k for k, v in _index().by_name.items() if len(v) > 1))


def placeholder(raw: object) -> str:
    """Six characters standing for an AMBIGUOUS cell: ``?`` + ``0`` + the index of the name
    among the names of several desa, or ``?`` + ``1`` + a four-digit desa number."""
    text = str(raw).strip()
    if _DIGITS.match(text):
        return "?1" + "".join(ch for ch in text if ch.isdigit())
    return f"?0{_ambiguous_names().index(norm_name(text)):04d}"


def resolve_placeholder(ph: str, kecamatan: int) -> int | None:
    """The desa of a placeholder for a resident of ``kecamatan`` (None: none there)."""
    if ph[1] == "1":
        code = kecamatan * 10000 + int(ph[2:])
        return code if code in _index().codes else None
    name = _ambiguous_names()[int(ph[2:])]
    return _index().by_kec_name.get((kecamatan, name))


def placeholder_choices(ph: str) -> dict[int, int]:
    """kecamatan -> desa for a placeholder, wherever it resolves."""
    out = {}
    for kk in kecamatan_numbers():
        v = resolve_placeholder(ph, kk)
        if v is not None:
            out[kk] = v
    return out
