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

from sqlalchemy import case, func, literal_column
from sqlmodel import Session, col, select

from counter.domain import outcomes as oc
from counter.services.context import Context
from counter.store.models import DayClose, Officer, OutreachEvent, Visit

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
        return sum(self.outcomes[o] for o in (oc.ACTIVATED, oc.PENDING, oc.FAILED,
                                              oc.NOT_ELIGIBLE, oc.REFERRED))

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
        out.update({
            "visits": self.visits,
            "outcomes": dict(self.outcomes),
            "reasons": {k: dict(v) for k, v in self.reasons.items()},
            "by_officer": self.by_officer,
            "by_counter": self.by_counter,
            "handling_seconds": {"median": self.handling_median, "max": self.handling_max},
            "per_hour": dict(self.per_hour),
            "target": {"baseline": self.baseline, "activated_total": self.activated_total,
                       "goal": self.goal, "needed_per_day": self.needed_per_day},
        })
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


def _median_from_histogram(hist: list[tuple[int, int]]) -> float | int | None:
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
    return func.to_char(func.timezone("UTC", col(Visit.started_at)),
                        literal_column("'YYYY-MM-DD HH24'"))


def activated_through(s: Session, day: date) -> int:
    """ACTIVATED visits recorded here with ``Visit.day <= day`` (without the baseline).

    Starts from the newest closed day (<= day) whose cumulative count is still valid (every day
    before it was closed when it was closed, and no earlier day was reopened since), so only the
    days after that are counted. Without closed days it is one indexed count.
    """
    start_after: date | None = None
    base = 0
    rows = s.exec(select(DayClose.day, DayClose.totals)
                  .where(DayClose.status == "closed", col(DayClose.day) <= day)
                  .order_by(col(DayClose.day).desc()).limit(20)).all()
    for d, totals in rows:
        try:
            t = json.loads(totals or "{}")
        except ValueError:
            continue
        if t.get("prefix_closed") and isinstance(t.get("cum_activated"), int):
            start_after, base = d, int(t["cum_activated"])
            break
    q = select(func.count()).select_from(Visit).where(Visit.outcome == oc.ACTIVATED,
                                                      col(Visit.day) <= day)
    if start_after is not None:
        q = q.where(col(Visit.day) > start_after)
    return base + int(s.exec(q).one())


def summary(ctx: Context, date_from: date, date_to: date | None = None) -> Report:
    """The report for one day (``date_to`` None) or an inclusive date range."""
    date_to = date_to or date_from
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    in_range = (col(Visit.day) >= date_from, col(Visit.day) <= date_to) \
        if date_from != date_to else (Visit.day == date_from,)
    with ctx.db.read() as s:
        total = int(s.exec(select(func.count()).select_from(Visit).where(*in_range)).one())

        outcomes = {o: 0 for o in oc.OUTCOMES}
        unfinished = 0
        for outcome, n in s.exec(select(Visit.outcome, func.count()).where(*in_range)
                                 .group_by(Visit.outcome)).all():
            if outcome is None:
                unfinished += int(n)
            else:
                outcomes[outcome] = outcomes.get(outcome, 0) + int(n)

        reasons: dict[str, dict[str, int]] = {o: {} for o in oc.NEEDS_REASON}
        for outcome, reason, n in s.exec(
                select(Visit.outcome, Visit.reason, func.count())
                .where(*in_range, col(Visit.outcome).in_(oc.NEEDS_REASON))
                .group_by(Visit.outcome, Visit.reason)).all():
            reasons[outcome][reason or "-"] = int(n)
        for o in reasons:
            reasons[o] = dict(sorted(reasons[o].items(), key=lambda kv: (-kv[1], kv[0])))

        activated_case = func.sum(case((Visit.outcome == oc.ACTIVATED, 1), else_=0))
        by_officer: dict[str, dict[str, Any]] = {}
        for username, n, act, avg in s.exec(
                select(Officer.username, func.count(), activated_case,
                       func.avg(Visit.handling_seconds))
                .join(Officer, Officer.id == Visit.officer_id)  # type: ignore[arg-type]
                .where(*in_range).group_by(Officer.username)
                .order_by(Officer.username)).all():
            by_officer[username] = {"visits": int(n), "activated": int(act or 0),
                                    "avg_seconds": None if avg is None else round(float(avg))}
        by_counter: dict[str, dict[str, Any]] = {}
        for counter_id, n, act, avg in s.exec(
                select(Visit.counter_id, func.count(), activated_case,
                       func.avg(Visit.handling_seconds))
                .where(*in_range).group_by(Visit.counter_id).order_by(Visit.counter_id)).all():
            by_counter[counter_id or "-"] = {"visits": int(n), "activated": int(act or 0),
                                             "avg_seconds": None if avg is None
                                             else round(float(avg))}

        hist = [(int(v), int(c)) for v, c in s.exec(
            select(Visit.handling_seconds, func.count())
            .where(*in_range, col(Visit.handling_seconds).is_not(None),
                   col(Visit.ended_at).is_not(None))
            .group_by(Visit.handling_seconds).order_by(Visit.handling_seconds)).all()]
        median = _median_from_histogram(hist)
        hmax = hist[-1][0] if hist else None

        bucket = _hour_bucket(s)
        hours: dict[int, int] = {}
        tz = ctx.tz
        for b, n in s.exec(select(bucket, func.count()).where(*in_range).group_by(bucket)).all():
            h = datetime.strptime(str(b), "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(tz).hour
            hours[h] = hours.get(h, 0) + int(n)
        lo = min([DAY_START_HOUR, *hours])
        hi = max([DAY_END_HOUR, *hours])
        per_hour = {f"{h:02d}": hours.get(h, 0) for h in range(lo, hi + 1)}

        by_event: dict[str, dict[str, Any]] = {}
        ev_rows = s.exec(select(Visit.event_id, func.count(), activated_case)
                         .where(*in_range, col(Visit.event_id).is_not(None))
                         .group_by(Visit.event_id)).all()
        for event_id, n, act in ev_rows:
            ev = s.get(OutreachEvent, event_id)
            by_event[str(event_id)] = {"name": ev.name if ev else "",
                                       "place": ev.place_name if ev else "",
                                       "visits": int(n), "activated": int(act or 0)}

        cum = activated_through(s, date_to)

    t = ctx.settings.target
    activated_total = t.baseline + cum
    remaining = max(0, t.goal - activated_total)
    days_left = working_days_between(date_to, t.deadline)
    needed = math.ceil(remaining / days_left) if days_left else remaining
    return Report(date_from=date_from, date_to=date_to, visits=total, outcomes=outcomes,
                  reasons=reasons, by_officer=by_officer, by_counter=by_counter,
                  handling_median=median, handling_max=hmax, per_hour=per_hour,
                  baseline=t.baseline, activated_total=activated_total, goal=t.goal,
                  needed_per_day=needed, working_days_left=days_left, unfinished=unfinished,
                  by_event=by_event)


__all__ = ["Report", "activated_through", "summary", "working_days_between"]
