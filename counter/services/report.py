"""The day (or date range) at a glance: one summary used by the supervisor screen and the CLI.

Every figure is a set-based SQL aggregation restricted by ``Visit.day`` (indexed), so the time
of a day's report does not grow with the table. The target's running total of ACTIVATED visits
starts from the cumulative count stored by the latest closed day whose earlier days were all
closed (see ``counter.services.dayclose``) and only counts the days after it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, select

from counter.domain import outcomes as oc
from counter.services.context import Context
from counter.store.models import (
    AppSetting,
    BundleImport,
    DayClose,
    Officer,
    OutreachEvent,
    Visit,
)

DAY_START_HOUR, DAY_END_HOUR = 8, 15  # office hours always shown in per_hour


@dataclass
class Report:
    date_from: date
    date_to: date
    visits: int
    outcomes: dict[str, int]
    reasons: dict[str, dict[str, int]]
    by_officer: dict[str, dict[str, Any]]
    by_counter: dict[str, dict[str, Any]]
    handling_median: float | int | None
    handling_max: int | None
    per_hour: dict[str, int]
    baseline: int
    activated_total: int
    goal: int
    needed_per_day: int
    working_days_left: int
    unfinished: int = 0
    by_event: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_range(self) -> bool:
        return self.date_from != self.date_to

    @property
    def attempted(self) -> int:
        """Visits where an activation was tried (everything but ALREADY_ACTIVE and DECLINED)."""
        return sum(
            self.outcomes[o]
            for o in (oc.ACTIVATED, oc.PENDING, oc.FAILED, oc.NOT_ELIGIBLE, oc.REFERRED)
        )

    @property
    def conversion(self) -> float | None:
        """ACTIVATED per attempted activation, in percent."""
        a = self.attempted
        return round(100.0 * self.outcomes[oc.ACTIVATED] / a, 1) if a else None

    @property
    def target_percent(self) -> float:
        return round(100.0 * self.activated_total / self.goal, 2) if self.goal else 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date_to.isoformat()}
        if self.is_range:
            out["from"] = self.date_from.isoformat()
            out["to"] = self.date_to.isoformat()
        out.update(
            {
                "visits": self.visits,
                "outcomes": dict(self.outcomes),
                "reasons": {k: dict(v) for k, v in self.reasons.items()},
                "by_officer": self.by_officer,
                "by_counter": self.by_counter,
                "handling_seconds": {"median": self.handling_median, "max": self.handling_max},
                "per_hour": dict(self.per_hour),
                "target": {
                    "baseline": self.baseline,
                    "activated_total": self.activated_total,
                    "goal": self.goal,
                    "needed_per_day": self.needed_per_day,
                },
            }
        )
        if self.by_event:
            out["by_event"] = self.by_event
        return out


def working_days_between(after: date, until: date) -> int:
    """Mon-Fri days d with after < d <= until."""
    if until <= after:
        return 0
    n = (until - after).days
    weeks, rest = divmod(n, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (after + timedelta(days=weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def median_from_histogram(hist: list[tuple[int, int]]) -> float | int | None:
    """Exact median of a multiset given as sorted (value, count) pairs."""
    n = sum(c for _, c in hist)
    if n == 0:
        return None
    lo_i, hi_i = (n - 1) // 2, n // 2
    lo = hi = None
    seen = 0
    for value, c in hist:
        if lo is None and lo_i < seen + c:
            lo = value
        if hi_i < seen + c:
            hi = value
            break
        seen += c
    assert lo is not None and hi is not None
    m = (lo + hi) / 2
    return int(m) if float(m).is_integer() else m


def _hour_bucket(s: Session) -> Any:
    """SQL expression: the UTC hour of ``started_at`` as text 'YYYY-MM-DD HH'."""
    if s.get_bind().dialect.name == "sqlite":
        return func.substr(col(Visit.started_at), 1, 13)
    return func.to_char(
        func.timezone("UTC", col(Visit.started_at)), literal_column("'YYYY-MM-DD HH24'")
    )


CACHE_KEY = "report.activated_cache"
CACHE_MIN_GAP_DAYS = 7  # a count that had to cover more days than this leaves a cache behind


@dataclass(frozen=True)
class _Cache:
    """ACTIVATED visits with day <= ``through``, valid while no visit row of those days was
    added (rowid > ``max_visit``) or changed (every change appends a visit_event, rowid >
    ``max_event``). SQLite only: rowids of these append-only tables only grow."""

    through: date
    count: int
    max_visit: int
    max_event: int


# Visits added / changed since the cache was made, on the cached days. "+day" makes SQLite walk
# the new rowids only, never the day index (that would read every old day).
NEW_VISITS_SQL = "SELECT 1 FROM visit WHERE rowid > ? AND +day <= ? LIMIT 1"
NEW_EVENTS_SQL = (
    "SELECT 1 FROM visit_event e JOIN visit v ON v.id = e.visit_id "
    "WHERE e.rowid > ? AND +v.day <= ? LIMIT 1"
)


def _anchor_closed(s: Session, day: date, inclusive: bool = True) -> tuple[date | None, int]:
    """Newest closed day <= ``day`` (< with ``inclusive=False``) whose stored cumulative count
    is still valid: every earlier day was closed when it was closed, no earlier day has been
    reopened since (``dayclose.reopen_day`` clears the flag) and no bundle was merged after it
    was closed (a bundle may carry visits of closed days)."""
    last_import = s.exec(select(func.max(BundleImport.imported_at))).one()
    q = select(col(DayClose.day), col(DayClose.totals), col(DayClose.closed_at)).where(
        DayClose.status == "closed",
        col(DayClose.day) <= day if inclusive else col(DayClose.day) < day,
    )
    if last_import is not None:
        q = q.where(col(DayClose.closed_at) > last_import)
    for d, totals, _closed_at in s.exec(q.order_by(col(DayClose.day).desc()).limit(20)).all():
        try:
            t = json.loads(totals or "{}")
        except ValueError:
            continue
        if t.get("prefix_closed") and isinstance(t.get("cum_activated"), int):
            return d, int(t["cum_activated"])
    return None, 0


def _read_cache(s: Session, day: date) -> _Cache | None:
    if s.get_bind().dialect.name != "sqlite":
        return None
    row = s.get(AppSetting, CACHE_KEY)
    if row is None:
        return None
    try:
        d = json.loads(row.value)
        c = _Cache(
            date.fromisoformat(d["through"]),
            int(d["count"]),
            int(d["max_visit"]),
            int(d["max_event"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if c.through > day:
        return None
    conn = s.connection()
    x = c.through.isoformat()
    if conn.exec_driver_sql(NEW_VISITS_SQL, (c.max_visit, x)).first() is not None:
        return None
    if conn.exec_driver_sql(NEW_EVENTS_SQL, (c.max_event, x)).first() is not None:
        return None
    return c


def _count_activated(s: Session, after: date | None, through: date) -> int:
    q = (
        select(func.count())
        .select_from(Visit)
        .where(
            Visit.outcome == oc.ACTIVATED, col(Visit.day) <= through, col(Visit.voided_at).is_(None)
        )
    )
    if after is not None:
        q = q.where(col(Visit.day) > after)
    return int(s.exec(q).one())


def activated_through(
    s: Session, day: date, today: date | None = None, store: list[_Cache] | None = None
) -> int:
    """ACTIVATED visits recorded here with ``Visit.day <= day`` (without the baseline).

    Counting starts after the newest valid starting point: the latest closed day whose earlier
    days were all closed (its count is stored with the close), or the running-count cache
    (SQLite). Only the days after it are counted, through the (day, outcome) index. When that
    still covered many days, a fresh cache (through the day before ``today``) is appended to
    ``store`` for the caller to save outside its read transaction.
    """
    start, base = _anchor_closed(s, day)
    cache = _read_cache(s, day)
    if cache is not None and (start is None or cache.through > start):
        start, base = cache.through, cache.count
    if (
        store is None
        or s.get_bind().dialect.name != "sqlite"
        or (start is not None and (day - start).days <= CACHE_MIN_GAP_DAYS)
    ):
        return base + _count_activated(s, start, day)
    through = min(day, (today or day) - timedelta(days=1))
    if start is not None and through <= start:
        return base + _count_activated(s, start, day)
    conn = s.connection()
    max_visit = int(conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM visit").scalar_one())
    max_event = int(
        conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM visit_event").scalar_one()
    )
    upto = base + _count_activated(s, start, through)
    store.append(_Cache(through, upto, max_visit, max_event))
    return upto + (_count_activated(s, through, day) if through < day else 0)


def _save_cache(ctx: Context, cache: _Cache) -> None:
    value = json.dumps(
        {
            "through": cache.through.isoformat(),
            "count": cache.count,
            "max_visit": cache.max_visit,
            "max_event": cache.max_event,
        }
    )
    try:
        with ctx.db.write() as s:
            row = s.get(AppSetting, CACHE_KEY)
            if row is None:
                s.add(AppSetting(key=CACHE_KEY, value=value))
                return
            try:
                newer = json.loads(row.value)["through"] > cache.through.isoformat()
            except (ValueError, KeyError, TypeError):
                newer = False
            if not newer:  # a report of an old day keeps the cache of recent days
                row.value = value
    except Exception as e:  # noqa: BLE001 - a cache that is not saved is only slower next time
        import logging

        logging.getLogger(__name__).info("report cache not saved: %r", e)


def summary(
    ctx: Context, date_from: date, date_to: date | None = None, *, use_cache: bool = True
) -> Report:
    """The report for one day (``date_to`` None) or an inclusive date range.

    ``use_cache=False``: do not write the running-count cache (for callers that hold the
    database's write lock, e.g. closing a day).
    """
    date_to = date_to or date_from
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    in_range = _in_range(date_from, date_to)
    with ctx.db.read() as s:
        tally = _Tally.of(_groups(s, in_range))
        median, hmax = _handling(s, in_range)
        per_hour = _per_hour(s, in_range, ctx.tz)
        by_event = _by_event(s, tally.per["event"])
        new_cache: list[_Cache] = []
        cum = activated_through(s, date_to, ctx.today(), new_cache if use_cache else None)
    if new_cache:
        _save_cache(ctx, new_cache[0])

    t = ctx.settings.target
    activated_total = t.baseline + cum
    remaining = max(0, t.goal - activated_total)
    days_left = working_days_between(date_to, t.deadline)
    needed = math.ceil(remaining / days_left) if days_left else remaining
    return Report(
        date_from=date_from,
        date_to=date_to,
        visits=tally.total,
        outcomes=tally.outcomes,
        reasons=tally.reasons,
        by_officer=tally.table("officer"),
        by_counter=tally.table("counter"),
        handling_median=median,
        handling_max=hmax,
        per_hour=per_hour,
        baseline=t.baseline,
        activated_total=activated_total,
        goal=t.goal,
        needed_per_day=needed,
        working_days_left=days_left,
        unfinished=tally.unfinished,
        by_event=by_event,
    )


def _in_range(date_from: date, date_to: date) -> tuple[Any, ...]:
    """The visits of the days, voided ones left out (a voided visit is counted nowhere)."""
    days = (
        (col(Visit.day) >= date_from, col(Visit.day) <= date_to)
        if date_from != date_to
        else (Visit.day == date_from,)
    )
    return days + (col(Visit.voided_at).is_(None),)


def _groups(s: Session, in_range: tuple[Any, ...]) -> list[Any]:
    """One GROUP BY gives the counts, reasons, per officer/counter/event figures: at most
    officers x counters x outcomes x reasons x events rows, whatever the table size."""
    return list(
        s.exec(
            # sqlmodel.select is typed for at most 4 columns: mypy cannot check these 8
            select(  # type: ignore[call-overload]
                Officer.username,
                Visit.counter_id,
                Visit.outcome,
                Visit.reason,
                Visit.event_id,
                func.count(),
                func.sum(col(Visit.handling_seconds)),
                func.count(col(Visit.handling_seconds)),
            )
            .join(Officer, col(Officer.id) == col(Visit.officer_id))
            .where(*in_range)
            .group_by(
                Officer.username, Visit.counter_id, Visit.outcome, Visit.reason, Visit.event_id
            )
        ).all()
    )


@dataclass
class _Tally:
    """The grouped rows added up: totals, outcomes, reasons (most frequent first) and, per
    officer/counter/event, [visits, activated, handling seconds, visits with a handling time]."""

    total: int = 0
    unfinished: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {o: 0 for o in oc.OUTCOMES})
    reasons: dict[str, dict[str, int]] = field(
        default_factory=lambda: {o: {} for o in oc.NEEDS_REASON}
    )
    per: dict[str, dict[Any, list[int]]] = field(
        default_factory=lambda: {"officer": {}, "counter": {}, "event": {}}
    )

    @classmethod
    def of(cls, groups: list[Any]) -> _Tally:
        tally = cls()
        for username, counter_id, outcome, reason, event_id, n, hsum, hcount in groups:
            tally.add(username, counter_id, outcome, reason, event_id, int(n), hsum, hcount)
        for o in tally.reasons:
            tally.reasons[o] = dict(
                sorted(tally.reasons[o].items(), key=lambda kv: (-kv[1], kv[0]))
            )
        return tally

    def add(
        self,
        username: str,
        counter_id: str | None,
        outcome: str | None,
        reason: str | None,
        event_id: int | None,
        n: int,
        hsum: Any,
        hcount: Any,
    ) -> None:
        self.total += n
        if outcome is None:
            self.unfinished += n
        else:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + n
        if outcome in self.reasons:
            key = reason or "-"
            self.reasons[outcome][key] = self.reasons[outcome].get(key, 0) + n
        act = n if outcome == oc.ACTIVATED else 0
        for kind, name in (
            ("officer", username),
            ("counter", counter_id or "-"),
            ("event", event_id),
        ):
            if name is None:
                continue
            acc = self.per[kind].setdefault(name, [0, 0, 0, 0])
            acc[0] += n
            acc[1] += act
            acc[2] += int(hsum or 0)
            acc[3] += int(hcount or 0)

    def table(self, kind: str) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "visits": a[0],
                "activated": a[1],
                "avg_seconds": round(a[2] / a[3]) if a[3] else None,
            }
            for name, a in sorted(self.per[kind].items())
        }


def _handling(s: Session, in_range: tuple[Any, ...]) -> tuple[Any, int | None]:
    """(median, longest) handling time of the finished visits, from a histogram query."""
    hist = [
        (int(v or 0), int(c))
        for v, c in s.exec(
            select(Visit.handling_seconds, func.count())
            .where(
                *in_range,
                col(Visit.handling_seconds).is_not(None),
                col(Visit.ended_at).is_not(None),
            )
            .group_by(col(Visit.handling_seconds))
            .order_by(col(Visit.handling_seconds))
        ).all()
    ]
    return median_from_histogram(hist), (hist[-1][0] if hist else None)


def _per_hour(s: Session, in_range: tuple[Any, ...], tz: Any) -> dict[str, int]:
    """Visits per local hour, office hours always shown ("08": 12, ...)."""
    bucket = _hour_bucket(s)
    hours: dict[int, int] = {}
    for b, n in s.exec(select(bucket, func.count()).where(*in_range).group_by(bucket)).all():
        h = datetime.strptime(str(b), "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(tz).hour
        hours[h] = hours.get(h, 0) + int(n)
    lo = min([DAY_START_HOUR, *hours])
    hi = max([DAY_END_HOUR, *hours])
    return {f"{h:02d}": hours.get(h, 0) for h in range(lo, hi + 1)}


def _by_event(s: Session, per_event: dict[Any, list[int]]) -> dict[str, dict[str, Any]]:
    """Visits and activations per outreach event, with its name and place."""
    by_event: dict[str, dict[str, Any]] = {}
    for event_id, a in sorted(per_event.items()):
        ev = s.get(OutreachEvent, event_id)
        by_event[str(event_id)] = {
            "name": ev.name if ev else "",
            "place": ev.place_name if ev else "",
            "visits": a[0],
            "activated": a[1],
        }
    return by_event


__all__ = ["CACHE_KEY", "Report", "activated_through", "summary", "working_days_between"]
