"""The supervisor tests' fixture day, 2026-11-27 (a Friday), built through the visits service.

Hand count of 2026-11-27 (local times, Asia/Jakarta) -- the tests write these numbers literally:

  #  time   officer counter  outcome         reason              handling  consent/phone
  1  08:05  siti    LOKET-1  ALREADY_ACTIVE                        60 s
  2  08:20  siti    LOKET-1  ACTIVATED                            600 s
  3  08:40  budi    LOKET-2  FAILED          email_not_received   900 s    yes
  4  09:10  budi    LOKET-2  PENDING                              300 s    yes
  5  09:30  siti    LOKET-1  NOT_ELIGIBLE    no_smartphone        120 s
  6  10:15  siti    LOKET-1  ACTIVATED                            480 s
  7  10:45  budi    LOKET-2  REFERRED        data_mismatch        240 s
  8  11:05  budi    LOKET-2  DECLINED                              40 s
  9  13:20  siti    LOKET-1  FAILED          face_mismatch        720 s
 10  14:50  budi    LOKET-3  ACTIVATED                            420 s
 11  14:55  siti    LOKET-1  (not finished)

The day before (2026-11-26): 10:00 siti ACTIVATED (600 s); 11:00 siti FAILED no_email (300 s,
consent). The Monday after (2026-11-30): 09:00 budi ACTIVATED (must not count for the 27th).
Target: baseline 1000, goal 3000 (30 % of 10000), deadline 2026-12-31.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from counter.config import Target
from counter.domain import nik as nikmod
from counter.services import accounts, visits
from counter.services.context import Context

DAY = date(2026, 11, 27)
TARGET = Target(baseline=1000, denominator=10000, percent=30.0, deadline=date(2026, 12, 31))


def at(day: int, hh: int, mm: int, ss: int = 0) -> datetime:
    """Local Jakarta time (UTC+7) on 2026-11-``day`` as aware UTC."""
    return datetime(2026, 11, day, hh - 7, mm, ss, tzinfo=UTC)


def nik(serial: int) -> str:
    return nikmod.compose("332501", date(1990, 1, 1), "M", serial)


@dataclass
class FixtureDay:
    ctx: Context
    siti: object
    budi: object
    kasi: object
    ids: dict[int, str]  # row number of the table above -> visit id
    before: dict[str, str]
    after: str


# (row, day, hh, mm, officer, counter, outcome, reason, seconds, phone, nik serial)
ROWS = [
    (1, 27, 8, 5, "siti", "LOKET-1", "ALREADY_ACTIVE", None, 60, None, 1),
    (2, 27, 8, 20, "siti", "LOKET-1", "ACTIVATED", None, 600, None, 2),
    (3, 27, 8, 40, "budi", "LOKET-2", "FAILED", "email_not_received", 900, "081234567803", 3),
    (4, 27, 9, 10, "budi", "LOKET-2", "PENDING", None, 300, "081234567804", 4),
    (5, 27, 9, 30, "siti", "LOKET-1", "NOT_ELIGIBLE", "no_smartphone", 120, None, 5),
    (6, 27, 10, 15, "siti", "LOKET-1", "ACTIVATED", None, 480, None, 6),
    (7, 27, 10, 45, "budi", "LOKET-2", "REFERRED", "data_mismatch", 240, None, 7),
    (8, 27, 11, 5, "budi", "LOKET-2", "DECLINED", None, 40, None, 8),
    (9, 27, 13, 20, "siti", "LOKET-1", "FAILED", "face_mismatch", 720, None, 9),
    (10, 27, 14, 50, "budi", "LOKET-3", "ACTIVATED", None, 420, None, 10),
    (11, 27, 14, 55, "siti", "LOKET-1", None, None, None, None, 11),
]


def _visit(
    ctx: Context,
    clock,
    who,
    counter: str,
    day: int,
    hh: int,
    mm: int,  # noqa: ANN001
    outcome: str | None,
    reason: str | None,
    seconds: int | None,
    phone: str | None,
    serial: int,
) -> str:
    c = Context(replace(ctx.settings, counter_id=counter), ctx.db, ctx.clock)
    clock.set(at(day, hh, mm))
    v = visits.start_visit(c, who, nik(serial), phone=phone, consent=bool(phone))
    if outcome is not None:
        clock.advance(seconds=seconds or 0)
        visits.finish_visit(c, v.id, outcome, reason, officer_id=who.id)
    return v.id


def build(ctx: Context, clock) -> FixtureDay:  # noqa: ANN001
    ctx.settings = replace(ctx.settings, target=TARGET)
    siti = accounts.create_officer(ctx, "siti", "135790", role="officer", full_name="Siti")
    budi = accounts.create_officer(ctx, "budi", "135791", role="officer", full_name="Budi")
    kasi = accounts.create_officer(ctx, "kasi", "246802", role="supervisor", full_name="Kasi")
    who = {"siti": siti, "budi": budi}
    before = {
        "activated": _visit(
            ctx, clock, siti, "LOKET-1", 26, 10, 0, "ACTIVATED", None, 600, None, 20
        ),
        "failed": _visit(
            ctx, clock, siti, "LOKET-1", 26, 11, 0, "FAILED", "no_email", 300, "081234567821", 21
        ),
    }
    ids = {}
    for row, day, hh, mm, off, counter, outcome, reason, secs, phone, serial in ROWS:
        ids[row] = _visit(
            ctx, clock, who[off], counter, day, hh, mm, outcome, reason, secs, phone, serial
        )
    after = _visit(ctx, clock, budi, "LOKET-2", 30, 9, 0, "ACTIVATED", None, 300, None, 30)
    clock.set(at(27, 16, 0))  # the supervisor reviews the day at 16:00
    return FixtureDay(ctx, siti, budi, kasi, ids, before, after)


SIZE = (120, 40)  # the supervisor screens' wide layout


def table_rows(table: Any) -> list[list[str]]:
    """A DataTable's cells as text, row by row."""
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
