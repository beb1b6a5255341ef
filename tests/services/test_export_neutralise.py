"""CSV injection: the Python rule, the inlined copy in the fast CSV writer and the SQL
expressions (generated from the same constants) give the same cells on hostile samples."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import String, create_engine, literal, select

from counter.services.export import csv_fast, csv_plain, injection
from counter.services.export.cells import Converter

HOSTILE = [
    "=1+2",
    '=HYPERLINK("http://x")',
    "+SUM(A1:A2)",
    "-2+3",
    "@cmd",
    "\tTAB",
    "\rCR",
    "\r\n=x",
    "=",
    "+",
    "-",
    "\n=x",  # a newline is not on the list: the cell is quoted by CSV instead
    " =x",
    "'=already",
    "＝1",  # fullwidth equals sign: not a formula for a spreadsheet
    "é=1",
    "\u202e=rtl",
    "🙂=1",
    "+٣٣",  # + and Arabic-Indic digits: not a phone number here
    "+6281234567890",
    "+62 812",
    "+12a",
    "0812",
    "ok",
    "",
    None,
]


def _sqlite_value(expr: Any) -> Any:
    engine = create_engine("sqlite://")
    try:
        with engine.connect() as conn:
            return conn.execute(select(expr)).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", HOSTILE)
def test_sql_forms_equal_the_python_rule(value: str | None) -> None:
    v = literal(value, String())
    assert _sqlite_value(injection.neutralise_sql(v)) == injection.neutralise(value)
    assert _sqlite_value(injection.neutralise_phone_sql(v)) == injection.neutralise_phone(value)


def test_the_rule_itself() -> None:
    for c in "=+-@\t\r":
        assert injection.neutralise(c + "x") == "'" + c + "x"
    assert injection.neutralise("x=") == "x=" and injection.neutralise(None) is None
    assert injection.neutralise_phone("+6281234567890") == "+6281234567890"
    assert injection.neutralise_phone("+62-81") == "'+62-81"
    assert injection.neutralise_phone("+٣٣") == "'+٣٣"
    assert injection.neutralise_phone("=1") == "'=1"


def _row(i: int, text: str | None) -> tuple[Any, ...]:
    """A database row (SQLite shapes) with ``text`` in every text column."""
    return (
        f"v{i}" if text is None else text + f"#{i}",  # the visit id is never empty
        text,
        text,
        text,
        "2026-11-27",
        "2026-11-27 01:00:00",
        "2026-11-27 01:02:03.5",
        text,
        "332501",
        1,
        text,
        text,
        text,
        123,
        text,
        text,
        1,
        i % 3,
        i % 2,
    )


def _write(writer: Any, rows: list[tuple[Any, ...]]) -> tuple[bytes, list[list[str]], Converter]:
    conv = Converter(UTC)
    fh = io.BytesIO()
    writer(fh, iter(rows), conv, io.StringIO(), ";")
    data = fh.getvalue()
    parsed = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))
    return data, parsed[1:], conv


def test_the_inlined_copy_equals_the_plain_writer() -> None:
    rows = [_row(i, v) for i, v in enumerate(HOSTILE)]
    plain, cells, pconv = _write(csv_plain.write, rows)
    fast, _, fconv = _write(csv_fast.write, rows)
    assert fast == plain
    assert (fconv.rows, fconv.corrections, fconv.rev_sum, fconv.recap) == (
        pconv.rows,
        pconv.corrections,
        pconv.rev_sum,
        pconv.recap,
    )
    for value, row in zip(HOSTILE, cells, strict=True):
        expected = injection.neutralise(value) or ""
        text_cells = [row[i] for i in (1, 2, 3, 7, 10, 11, 12, 14)]
        assert text_cells == [expected] * 8, value
        assert row[15] == (injection.neutralise_phone(value) or "")
