"""Where to take the outreach team next: places ranked by what they still need, with the outreach
events already held there and what each yielded.

Ranking: most residents still needed to reach the target percentage there first, then the lowest
coverage, then the code. An event's yield is twofold and never added: the activations recorded at
that event (visits), and the change of the place's IKD count in the extract from the last import
before the event day to the first import after it (None until such an import exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from counter.domain import places
from counter.errors import UserError
from counter.services import coverage as cov
from counter.services.context import Context


class PlanError(UserError, ValueError):
    prefix = "coverage.error"


@dataclass(frozen=True)
class EventYield:
    id: str
    name: str
    day: date
    place_code: str
    visits: int
    activated: int
    extract_change: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "day": self.day.isoformat(),
            "place_code": self.place_code,
            "visits": self.visits,
            "activated": self.activated,
            "extract_change": self.extract_change,
        }


@dataclass
class PlanRow:
    rank: int
    place: cov.PlaceRow
    events: list[EventYield] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = {
            "rank": self.rank,
            "level": self.place.level,
            **self.place.to_json(),
            "without": self.place.without,
        }
        out["events"] = [e.to_json() for e in self.events]
        return out


@dataclass
class Plan:
    by: str
    coverage: cov.Coverage
    rows: list[PlanRow]

    def to_json(self) -> dict[str, Any]:
        c = self.coverage
        return {
            "by": self.by,
            "target_percent": c.target_percent,
            "import": c.latest.to_json() if c.latest else None,
            "places": [r.to_json() for r in self.rows],
        }


def default_level(ctx: Context) -> str:
    """``desa`` when the registry knows the desa of some residents, else ``kecamatan``."""
    c = cov.coverage(ctx, "desa")
    return "desa" if c.rows else "kecamatan"


def plan(ctx: Context, by: str | None = None) -> Plan:
    by = by or default_level(ctx)
    c = cov.coverage(ctx, by)
    ranked = sorted(c.rows, key=lambda r: (-r.needed, r.percent, r.code))
    rows = [PlanRow(i + 1, r) for i, r in enumerate(ranked)]
    index = {r.place.code: r for r in rows}
    for ev in event_yields(ctx, "k" if by == "kecamatan" else "d"):
        key = ev.place_code if by == "desa" else ev.place_code.rsplit(".", 1)[0]
        if key in index:
            index[key].events.append(ev)
    return Plan(by, c, rows)


def _visit_counts(ctx: Context, ids: list[str], first: date, last: date) -> dict[str, Any]:
    from counter.services import outreach

    return {sp.key: sp for sp in outreach.by_event(ctx, first, last) if sp.key in ids}


def event_yields(ctx: Context, level: str) -> list[EventYield]:
    """Every outreach event at a desa (oldest first) with its visits, activations and the change
    in the extract around it, for its desa (``d``) or its kecamatan (``k``)."""
    from counter.services import outreach

    events = [e for e in reversed(outreach.list_events(ctx)) if e.place_code]
    if not events:
        return []
    ids = [e.id for e in events]
    first = min(e.day for e in events)
    counts = _visit_counts(ctx, ids, first, max(ctx.today(), max(e.day for e in events)))
    imports = [(i, i.imported_at.astimezone(ctx.tz).date()) for i in cov.imports_with_totals(ctx)]
    cache: dict[int, dict[int, tuple[int, int]]] = {}

    def active_at(import_id: int, code: int) -> int:
        if import_id not in cache:
            cache[import_id] = cov.totals_of(ctx, import_id, level)
        return cache[import_id].get(code, (0, 0))[1]

    out = []
    for e in events:
        assert e.place_code is not None
        v = places.desa_int(e.place_code)
        code = v if level == "d" else v // 10000
        before = [i for i, d in imports if d < e.day]
        after = [i for i, d in imports if d > e.day]
        change = (
            active_at(after[0].id, code) - active_at(before[-1].id, code)
            if before and after
            else None
        )
        sp = counts.get(e.id)
        out.append(
            EventYield(
                e.id,
                e.name,
                e.day,
                e.place_code,
                sp.visits if sp else 0,
                sp.activated if sp else 0,
                change,
            )
        )
    return out


def village_for(ctx: Context, row: PlanRow) -> str:
    """The desa where an event for a plan row takes place: the row's own desa, or for a
    kecamatan the desa there that needs the most (the extract must know desa)."""
    if row.place.level == "desa":
        return row.place.code
    prefix = row.place.code + "."
    desa = [r for r in cov.coverage(ctx, "desa").rows if r.code.startswith(prefix)]
    if not desa:
        raise PlanError("no_desa", place=row.place.name)
    return min(desa, key=lambda r: (-r.needed, r.percent, r.code)).code


def start_outreach(ctx: Context, row: PlanRow, by: Any = None) -> Any:
    """Create an outreach event at the row's place today and make it this device's active
    event (what ``outreach start`` does), in one step."""
    from counter.services import outreach

    return outreach.start(ctx, village_code=village_for(ctx, row), by=by)
