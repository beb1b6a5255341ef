"""Kabupaten Batang's official region codes (kecamatan and desa/kelurahan)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from counter.domain.assets import asset_path

BATANG_PROVINCE = "33"
BATANG_REGENCY = "25"
BATANG_PREFIX = "3325"


@dataclass(frozen=True)
class Region:
    code: str  # dotted, e.g. 33.25.01 or 33.25.01.2001
    name: str

    @property
    def level(self) -> str:
        n = self.code.count(".")
        return {1: "regency", 2: "district", 3: "village"}.get(n, "other")


@lru_cache(maxsize=1)
def _table() -> dict[str, Region]:
    out: dict[str, Region] = {}
    text = asset_path("regions-3325-batang.tsv").read_text(encoding="utf-8")
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        code, name = line.split("\t", 1)
        out[code.strip()] = Region(code.strip(), name.strip())
    return out


def district_name(district_code: str) -> str | None:
    """Name of a Batang kecamatan by its 6-digit code (e.g. ``332501``)."""
    if len(district_code) != 6 or not district_code.startswith(BATANG_PREFIX):
        return None
    r = _table().get(f"{district_code[:2]}.{district_code[2:4]}.{district_code[4:6]}")
    return r.name if r else None


def districts() -> list[Region]:
    return [r for r in _table().values() if r.level == "district"]


def villages(district_code: str | None = None) -> list[Region]:
    """Desa/kelurahan, optionally of one kecamatan (dotted or 6-digit code)."""
    out = [r for r in _table().values() if r.level == "village"]
    if district_code:
        dotted = (
            district_code
            if "." in district_code
            else (f"{district_code[:2]}.{district_code[2:4]}.{district_code[4:6]}")
        )
        out = [r for r in out if r.code.startswith(dotted + ".")]
    return out


def region(code: str) -> Region | None:
    return _table().get(code)
