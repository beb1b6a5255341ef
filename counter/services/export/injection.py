"""CSV injection (OWASP): the ONE definition of the rule, and every form derived from it.

The rule: a text cell whose first character is in ``DANGER`` gets ``PREFIX`` in front of it, so
a spreadsheet shows it as text instead of running it as a formula. A phone number keeps its
leading ``+`` when the rest is ASCII digits (``+6281...``).

Forms: ``neutralise``/``neutralise_phone`` (Python, the reference); ``neutralise_sql``/
``neutralise_phone_sql`` (SQLite expressions generated from the same constants, for the
SQL-computed CSV); the hot loop of ``csv_fast`` inlines ``PREFIX + v if v and v[0] in DANGER``.
tests/test_export_injection.py proves the three agree on hostile samples.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, literal

DANGER = frozenset("=+-@\t\r")  # leading characters a spreadsheet reads as a formula
PREFIX = "'"  # what goes in front of a dangerous text
PHONE_PLUS = "+"  # a phone number's allowed leading character


def neutralise(value: str | None) -> str | None:
    """OWASP CSV injection: a text starting with = + - @ tab or CR gets a leading quote."""
    if value and value[0] in DANGER:
        return PREFIX + value
    return value


def is_plain_phone(value: str) -> bool:
    """``+`` then ASCII digits only: a phone number, not a formula."""
    rest = value[1:]
    return value[:1] == PHONE_PLUS and rest.isdigit() and rest.isascii()


def neutralise_phone(value: str | None) -> str | None:
    """A phone number keeps its leading + (``+6281...``); anything else is neutralised."""
    if value and value[0] in DANGER and not is_plain_phone(value):
        return PREFIX + value
    return value


def _starts_dangerous_sql(expr: Any) -> Any:
    # unicode() of the first character: one call, compared with integers
    return func.unicode(expr).in_([literal(ord(c)) for c in sorted(DANGER)])


def neutralise_sql(expr: Any) -> Any:
    """SQLite form of neutralise() for a text column or expression."""
    return case((_starts_dangerous_sql(expr), literal(PREFIX) + expr), else_=expr)


def neutralise_phone_sql(expr: Any) -> Any:
    """SQLite form of neutralise_phone() (GLOB: ASCII digits, as is_plain_phone)."""
    plain = and_(
        func.substr(expr, 1, 1) == literal(PHONE_PLUS),
        func.length(expr) > 1,
        func.substr(expr, 2).op("NOT GLOB")(literal("*[^0-9]*")),
    )
    return case(
        (and_(_starts_dangerous_sql(expr), ~plain), literal(PREFIX) + expr),
        else_=expr,
    )
