"""Helpers for the registry import tests: the stored entries, the rejects file read back."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy import select

from counter.services.context import Context
from counter.store.models import RegistryEntry, RegistryImport


def entries(ctx: Context) -> dict[str, tuple[str, date | None, str]]:
    """NIK -> (status, activation date, file of the import that last set it)."""
    with ctx.db.read() as s:
        q = select(
            RegistryEntry.nik,
            RegistryEntry.ikd_status,
            RegistryEntry.activated_on,
            RegistryImport.source,
        ).join(RegistryImport, RegistryImport.id == RegistryEntry.import_id)
        return {r[0]: (r[1], r[2], r[3]) for r in s.execute(q)}


def read_rejects(path: str) -> list[list[str]]:
    """The rejects CSV's rows (header first); it must start with the BOM to open in Excel."""
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # opens in Excel as UTF-8
    text = raw.decode("utf-8-sig")
    delim = ";" if text.splitlines()[0].count(";") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delim))


def rejects(path: str) -> dict[int, list[str]]:
    """The rejected rows by their line number in the input."""
    return {int(r[0]): r for r in read_rejects(path)[1:]}
