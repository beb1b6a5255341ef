"""IKD coverage per place, from the central extract (the district's count), and its series.

Two numbers, never added together: the district's count of IKD-active residents comes from the
registry (the imported central extract); this office's own activations come from visits (see
``counter.services.report``). This module is only about the first.

Fast path: every registry import stores its totals per kecamatan (NIK digits 5-6) and per desa
(the extract's desa column) in ``registry_coverage`` (see ``registry.places``), so a coverage
table reads about 260 rows whatever the registry's size, and the change since the previous
import is the difference of two imports' totals. ``plain=True`` computes the same from the
registry with a ``GROUP BY`` (the tests check both agree; a registry without totals uses it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import text

from counter.domain import places
from counter.services.context import Context

LEVELS = {"kecamatan": "k", "desa": "d"}
RATE_WINDOW_DAYS = 30


def needed(residents: int, active: int, percent: float) -> int:
    """Residents still to activate for ``percent`` of ``residents`` (rounded up), never < 0."""
    goal = Decimal(residents) * Decimal(str(percent)) / 100
    return max(0, int(goal.to_integral_value(rounding=ROUND_CEILING)) - active)


def pct(active: int, residents: int) -> float:
    return round(100.0 * active / residents, 2) if residents else 0.0


@dataclass(frozen=True)
class PlaceRow:
    level: str  # kecamatan | desa
    code: str  # 33.25.01 or 33.25.01.2001
    name: str
    kecamatan: str  # the kecamatan's name (a desa's own, from its code)
    residents: int
    active: int
    percent: float
    needed: int
    change: int | None  # active since the previous import; None: no previous import

    @property
    def without(self) -> int:
        return self.residents - self.active

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kecamatan": self.kecamatan,
            "residents": self.residents,
            "active": self.active,
            "percent": self.percent,
            "needed": self.needed,
            "change": self.change,
        }


@dataclass(frozen=True)
class ImportInfo:
    id: int
    source: str
    imported_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "imported_at": self.imported_at.isoformat()}


@dataclass
class Coverage:
    by: str
    target_percent: float
    latest: ImportInfo | None
    previous: ImportInfo | None
    rows: list[PlaceRow] = field(default_factory=list)
    residents: int = 0
    active: int = 0
    without_desa: int = 0  # by desa: residents whose desa the extract did not give

    @property
    def percent(self) -> float:
        return pct(self.active, self.residents)

    @property
    def needed(self) -> int:
        return needed(self.residents, self.active, self.target_percent)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "by": self.by,
            "target_percent": self.target_percent,
            "import": self.latest.to_json() if self.latest else None,
            "previous_import": self.previous.to_json() if self.previous else None,
            "rows": [r.to_json() for r in self.rows],
            "total": {
                "residents": self.residents,
                "active": self.active,
                "percent": self.percent,
                "needed": self.needed,
            },
        }
        if self.by == "desa":
            out["without_desa"] = self.without_desa
        return out


def imports_with_totals(ctx: Context) -> list[ImportInfo]:
    """Registry imports that kept their totals, oldest first."""
    from sqlmodel import col, select

    from counter.store.models import RegistryCoverage, RegistryImport

    kept = (
        select(RegistryCoverage.import_id)
        .where(RegistryCoverage.import_id == RegistryImport.id)
        .exists()
    )
    with ctx.db.read() as s:
        rows = s.exec(select(RegistryImport).where(kept).order_by(col(RegistryImport.id))).all()
        return [ImportInfo(int(r.id or 0), r.source, r.imported_at) for r in rows]


def totals_of(ctx: Context, import_id: int, level: str) -> dict[int, tuple[int, int]]:
    """code -> (residents, active) stored by one import."""
    with ctx.db.read() as s:
        rows = s.execute(
            text(
                "SELECT code, residents, active FROM registry_coverage "
                "WHERE import_id = :i AND level = :l"
            ),
            {"i": import_id, "l": level},
        ).all()
    return {int(c): (int(r), int(a)) for c, r, a in rows}


def totals_live(ctx: Context, level: str) -> dict[int, tuple[int, int]]:
    """The same from the registry as it is now: one plain ``GROUP BY``."""
    from counter.services.registry.places import DESA_EXPR, KEC_EXPR

    expr = KEC_EXPR if level == "k" else DESA_EXPR
    with ctx.db.read() as s:
        rows = s.execute(
            text(
                f"SELECT {expr}, count(*), sum(CASE WHEN ikd_status = 'active' THEN 1 ELSE 0 END) "
                f"FROM registry_entry GROUP BY {expr}"
            )
        ).all()
    return {int(c): (int(r), int(a or 0)) for c, r, a in rows}


def _row(
    level: str, code: int, residents: int, active: int, percent: float, change: int | None
) -> PlaceRow:
    if level == "k":
        return PlaceRow(
            "kecamatan",
            places.kecamatan_code(code),
            places.kecamatan_name(code),
            places.kecamatan_name(code),
            residents,
            active,
            pct(active, residents),
            needed(residents, active, percent),
            change,
        )
    return PlaceRow(
        "desa",
        places.desa_code(code),
        places.desa_name(code),
        places.kecamatan_name(code // 10000),
        residents,
        active,
        pct(active, residents),
        needed(residents, active, percent),
        change,
    )


def coverage(ctx: Context, by: str = "kecamatan", plain: bool = False) -> Coverage:
    """Residents, IKD active, %, needed to reach the target percentage and the change since the
    previous import, per kecamatan or per desa, in code order."""
    if by not in LEVELS:
        raise ValueError(by)
    level = LEVELS[by]
    percent = ctx.settings.target.percent
    imports = imports_with_totals(ctx)
    latest = imports[-1] if imports else None
    previous = imports[-2] if len(imports) > 1 else None
    now = totals_live(ctx, level) if plain or latest is None else totals_of(ctx, latest.id, level)
    before = totals_of(ctx, previous.id, level) if previous else None
    cov = Coverage(by, percent, latest, previous)
    for code in sorted(now):
        residents, active = now[code]
        cov.residents += residents
        cov.active += active
        if level == "d" and code == 0:
            cov.without_desa = residents
            continue
        change = None if before is None else active - before.get(code, (0, 0))[1]
        cov.rows.append(_row(level, code, residents, active, percent, change))
    return cov


# ---- the district's count over time -----------------------------------------------------------


@dataclass(frozen=True)
class SeriesPoint:
    day: date
    active: int
    residents: int


@dataclass
class Progress:
    """The district's IKD count per import against the target line and the deadline."""

    points: list[SeriesPoint]
    goal: int
    deadline: date
    today: date
    needed_per_day: float | None  # from today to the deadline; None when the deadline passed
    rate_30_days: float | None  # active per day over the last 30 days of imports

    @property
    def latest(self) -> int:
        return self.points[-1].active if self.points else 0

    @property
    def remaining(self) -> int:
        return max(0, self.goal - self.latest)

    def to_json(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "deadline": self.deadline.isoformat(),
            "latest": self.latest,
            "remaining": self.remaining,
            "needed_per_day": self.needed_per_day,
            "rate_30_days": self.rate_30_days,
            "series": [
                {"date": p.day.isoformat(), "active": p.active, "residents": p.residents}
                for p in self.points
            ],
        }


def progress(ctx: Context) -> Progress:
    """One point per import (the last of a day wins), the rate still needed and the recent rate."""
    by_day: dict[date, SeriesPoint] = {}
    for imp in imports_with_totals(ctx):
        tot = totals_of(ctx, imp.id, "k")
        day = imp.imported_at.astimezone(ctx.tz).date()
        by_day[day] = SeriesPoint(
            day, sum(a for _, a in tot.values()), sum(r for r, _ in tot.values())
        )
    points = [by_day[d] for d in sorted(by_day)]
    t = ctx.settings.target
    today = ctx.today()
    latest = points[-1].active if points else 0
    days_left = (t.deadline - today).days
    need = round(max(0, t.goal - latest) / days_left, 1) if days_left > 0 else None
    return Progress(points, t.goal, t.deadline, today, need, _recent_rate(points))


def _recent_rate(points: list[SeriesPoint]) -> float | None:
    """Active per day between the newest point and the newest one at least 30 days older (or
    the oldest, when none is that old); None with fewer than two days."""
    if len(points) < 2:
        return None
    last = points[-1]
    cutoff = last.day - timedelta(days=RATE_WINDOW_DAYS)
    older = [p for p in points[:-1] if p.day <= cutoff]
    base = older[-1] if older else points[0]
    days = (last.day - base.day).days
    return round((last.active - base.active) / days, 1) if days > 0 else None


__all__ = [
    "Coverage",
    "PlaceRow",
    "Progress",
    "coverage",
    "imports_with_totals",
    "needed",
    "progress",
    "totals_live",
    "totals_of",
]
