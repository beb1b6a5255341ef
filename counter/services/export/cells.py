"""From a database row to cell values: local times, district names, yes/no, and the running
recap (counts per day and outcome) every writer keeps while it writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from counter.domain import outcomes as oc
from counter.domain.regions import district_name


class Converter:
    """Turns raw database values into cell values; caches what repeats (districts, UTC
    offsets); counts the rows per day and outcome (the recap) and the corrections."""

    def __init__(self, tz: tzinfo) -> None:
        from counter.i18n import catalog

        t = catalog("id")
        self.tz = tz
        self.yes, self.no = t("export.value.yes"), t("export.value.no")
        self.districts: dict[str, str] = {}  # read directly by the fast writers
        self.offsets: dict[str, timedelta] = {}  # UTC hour text -> offset, likewise
        self.recap: dict[Any, list[int]] = {}
        self.corrections = 0
        self.rev_sum = 0  # sum of the exported revisions: with the row count, a fingerprint
        self.first_day: Any = None
        self.last_day: Any = None
        self.index = {o: i for i, o in enumerate(oc.OUTCOMES)}

    def district(self, code: str) -> str:
        name = self.districts.get(code)
        if name is None:
            name = self.districts[code] = district_name(code) or ""
        return name

    def local(self, raw: Any) -> datetime | None:
        """Local wall time (naive, whole seconds) of a stored UTC timestamp."""
        if raw is None:
            return None
        if isinstance(raw, str):  # SQLite: 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC
            return datetime.fromisoformat(raw[:19]) + (
                self.offsets.get(raw[:13]) or self.offset(raw)
            )
        local: datetime = raw.astimezone(self.tz).replace(tzinfo=None, microsecond=0)
        return local

    def time_text(self, raw: Any) -> str:
        """``HH:MM:SS`` local, or "" for no time (the CSV cell)."""
        return str(self.local(raw))[11:] if raw else ""

    def offset(self, raw: str) -> timedelta:
        """The zone's UTC offset at a stored UTC time; cached per UTC hour (DST changes on
        whole hours), the cache kept small."""
        key = raw[:13]
        off = self.offsets.get(key)
        if off is None:
            if len(self.offsets) > 256:
                self.offsets.clear()
            dt = datetime.fromisoformat(raw[:19]).replace(tzinfo=UTC)
            off = self.offsets[key] = dt.astimezone(self.tz).utcoffset() or timedelta(0)
        return off

    def count(self, day_key: Any, outcome: str | None, correction: bool) -> None:
        if correction:
            self.corrections += 1
        counts = self.day_counts(day_key)
        counts[self.index.get(outcome or "", -2)] += 1
        counts[-1] += 1

    def day_counts(self, day_key: Any) -> list[int]:
        """The recap counters of a day: one per outcome, a spare for unknown codes, the total."""
        r = self.recap.get(day_key)
        if r is None:
            r = self.recap[day_key] = [0] * (len(oc.OUTCOMES) + 2)
            if self.first_day is None:
                self.first_day = day_key
            self.last_day = day_key
        return r

    @property
    def rows(self) -> int:
        return sum(r[-1] for r in self.recap.values())

    def span(self) -> tuple[date | None, date | None]:
        """First and last day of the rows counted (a since-last batch records them)."""
        first = as_date(self.first_day) if self.first_day is not None else None
        last = as_date(self.last_day) if self.last_day is not None else None
        return first, last


def recap_row(counts: list[int]) -> list[int]:
    """Per-outcome counts and the total (the spare slot of unknown codes only in the total)."""
    return [*counts[: len(oc.OUTCOMES)], counts[-1]]


def recap_rows(conv: Converter) -> tuple[list[tuple[Any, list[int]]], list[int]]:
    """The recap by day (day key, counts) in day order, and the totals row's counts."""
    totals = [0] * (len(oc.OUTCOMES) + 1)
    days = []
    for day_key in sorted(conv.recap):
        counts = recap_row(conv.recap[day_key])
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        days.append((day_key, counts))
    return days, totals


def as_date(raw: Any) -> date:
    return date.fromisoformat(raw) if isinstance(raw, str) else raw
