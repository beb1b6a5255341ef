"""Helpers for the export tests: people, visits made through the visits service, file readers."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from counter.services import accounts, visits
from counter.services.context import Context
from counter.store.models import Officer

NIKS = ("3325015505900001", "3325104107000003", "3374011203850002", "3201010101010001")


def people(ctx: Context) -> tuple[Officer, Officer]:
    """(officer, supervisor) on this context's database."""
    off = accounts.create_officer(ctx, "siti", "135790", role="officer", full_name="Siti")
    sup = accounts.create_officer(ctx, "kasi", "246802", role="supervisor", full_name="Kasi")
    return off, sup


def visit(
    ctx: Context,
    clock: Any,
    officer: Officer,
    nik: str = NIKS[0],
    outcome: str = "ACTIVATED",
    reason: str | None = None,
    note: str | None = None,
    phone: str | None = None,
    consent: bool = False,
    seconds: int = 120,
    finish: bool = True,
) -> str:
    """A visit made the way the counter makes it; the clock moves by ``seconds`` (+ a gap)."""
    v = visits.start_visit(ctx, officer, nik, phone=phone, consent=consent)
    clock.advance(seconds=seconds // 2)
    visits.record_event(ctx, v.id, "step", "install", {"ok": True}, officer.id)
    clock.advance(seconds=seconds - seconds // 2)
    if finish:
        visits.finish_visit(ctx, v.id, outcome, reason=reason, note=note, officer_id=officer.id)
    clock.advance(seconds=30)
    return v.id


def read_csv(path: Path, delimiter: str = ";") -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with the UTF-8 BOM"
    text = raw[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows[0], rows[1:]


def read_xlsx(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path)
