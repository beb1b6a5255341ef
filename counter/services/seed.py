"""Deterministic sample data: registry, officers, visits with their step events (``seed-demo``).

The same seed gives the same rows (UUIDs, NIKs, times, outcomes); only the database's own
``device_id`` differs between two databases. Rows go in with SQLAlchemy core ``insert()``
executemany in chunks, one transaction per chunk, so a million visits take minutes, not hours.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, update

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import regions
from counter.domain import visit as vm
from counter.errors import UserError
from counter.services.context import Context
from counter.store.models import RegistryEntry, RegistryImport, Visit, VisitEvent

SOURCE = "seed-demo"
SUPERVISOR = ("kasi", "246802", "Kasi Pelayanan")
OFFICERS = (  # username, PIN, full name, counter
    ("siti", "135790", "Siti Rahayu", "LOKET-1"),
    ("budi", "135791", "Budi Santoso", "LOKET-2"),
    ("ani", "135792", "Ani Wulandari", "LOKET-3"),
)
OPEN_AT, CLOSE_AT = dtime(8, 0), dtime(15, 0)
ACTIVE_SHARE = 0.07  # of the registry (Batang, July 2024: 44,022 of 628,072)
CHUNK = 5000

# The activation steps as the resident goes through them (DOMAIN.md "Activation steps").
STEPS = ("install", "open_terms", "verify_data", "face", "qr_scan", "email_code", "set_pin")
# Reason code -> the step where that problem shows up (None: a prerequisite, found before the
# steps). Codes are the ids of assets/protocol.toml (problems and prerequisites), as the counter
# records them; tests/test_seed.py checks that they exist there.
REASON_STEP = {
    "email_not_received": "email_code",
    "face_fail": "face",
    "server_down": "verify_data",
    "app_error": "open_terms",
    "device_bound": "verify_data",
    "nik_not_found": "verify_data",
    "smartphone": None,
    "email": None,
    "data": None,
    "ektp": None,
    "phone_number": None,
}
# outcome -> (weight among not-yet-active visitors, reasons with weights)
MIX: dict[str, tuple[float, tuple[tuple[str | None, float], ...]]] = {
    oc.ACTIVATED: (0.56, ((None, 1.0),)),
    oc.PENDING: (0.11, (("email_not_received", 0.6), ("server_down", 0.4))),
    oc.FAILED: (
        0.11,
        (
            ("face_fail", 0.35),
            ("email_not_received", 0.2),
            ("app_error", 0.2),
            ("server_down", 0.15),
            ("device_bound", 0.1),
        ),
    ),
    oc.NOT_ELIGIBLE: (
        0.08,
        (
            ("smartphone", 0.45),
            ("email", 0.3),
            ("data", 0.1),
            ("phone_number", 0.1),
            ("ektp", 0.05),
        ),
    ),
    oc.REFERRED: (0.05, (("nik_not_found", 0.7), ("device_bound", 0.3))),
    oc.DECLINED: (0.09, ((None, 1.0),)),
}
# handling time in seconds (min, max) per outcome
HANDLING = {
    oc.ALREADY_ACTIVE: (25, 120),
    oc.ACTIVATED: (420, 1500),
    oc.PENDING: (300, 900),
    oc.FAILED: (300, 1200),
    oc.NOT_ELIGIBLE: (60, 240),
    oc.REFERRED: (120, 420),
    oc.DECLINED: (30, 180),
}
PURPOSES = (
    ("ikd", 0.35),
    ("ktp_el", 0.2),
    ("kk", 0.15),
    ("kia", 0.06),
    ("akta", 0.1),
    ("pindah_datang", 0.06),
    ("biodata", 0.04),
    ("other", 0.04),
)
# NIKs issued elsewhere in Central Java (valid, flagged as outside Batang)
OUTSIDE = ("332601", "337501", "332401", "337401", "332801", "337301")


class SeedError(UserError, ValueError):
    prefix = "seed.error"


def _cum(pairs: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    items, cum, total = [], [], 0.0
    for item, w in pairs:
        total += w
        items.append(item)
        cum.append(total)
    return items, cum


class _Picker:
    """Weighted choice with one random number (fast, deterministic)."""

    def __init__(self, pairs: tuple[tuple[Any, float], ...]) -> None:
        self.items, self.cum = _cum(pairs)
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


class _NikMaker:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.districts = [r.code.replace(".", "") for r in regions.districts()]
        self.seen: set[str] = set()
        self.base = today.toordinal()

    def make(self, prefix: str | None = None) -> str:
        rng = self.rng
        while True:
            district = prefix or self.districts[rng.randrange(len(self.districts))]
            # ages 17..80, more young adults than old people
            age_days = int(17 * 365.25 + rng.betavariate(1.4, 2.6) * 63 * 365.25) + 1
            born = date.fromordinal(self.base - age_days)
            sex = "F" if rng.random() < 0.5 else "M"
            serial = 1 + int(rng.random() ** 2 * 2500)
            n = nikmod.compose(district, born, sex, serial)
            if n not in self.seen:
                self.seen.add(n)
                return n


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _activation(outcome: str, reason: str | None, fixed: str | None) -> list[vm.Event]:
    """The prerequisite check and the steps, as the counter screen records them."""
    if outcome == oc.NOT_ELIGIBLE:
        return [vm.Event(vm.Prereq((reason or "",)), vm.OUTCOME_STEP)]
    out = [vm.Event(vm.Prereq(()), STEPS[0])]
    stop = REASON_STEP.get(reason or "") if outcome != oc.ACTIVATED else None
    for i, st in enumerate(STEPS):
        nxt = STEPS[i + 1] if i + 1 < len(STEPS) else vm.OUTCOME_STEP
        if fixed and REASON_STEP[fixed] == st:
            out += [vm.Event(vm.ProblemMet(fixed), st), vm.Event(vm.Retry(fixed), st)]
        if st == stop:
            out += [
                vm.Event(vm.ProblemMet(reason or ""), st),
                vm.Event(vm.ChooseOutcome(outcome, reason), vm.OUTCOME_STEP),
            ]
            break
        out.append(vm.Event(vm.StepDone(st), nxt))
    return out


def _timeline(
    outcome: str,
    reason: str | None,
    status: str,
    purpose: str,
    consent: bool,
    note: str | None,
    fixed: str | None,
    started: datetime,
    ended: datetime,
) -> list[tuple[datetime, vm.Event]]:
    """A seeded visit's events in the counter screen's shape (checked by the domain's state
    machine), spread over its handling time; step events carry their seconds."""
    if outcome == oc.ALREADY_ACTIVE:
        first, body = vm.STATUS_STEP, []
    elif outcome == oc.DECLINED:
        first, body = (
            vm.OUTCOME_STEP,
            [vm.Event(vm.ChooseOutcome(outcome, reason), vm.OUTCOME_STEP)],
        )
    else:
        first, body = vm.PREREQ_STEP, _activation(outcome, reason, fixed)
    evs = [
        vm.Event(vm.Start(status, purpose, consent), first),
        *body,
        vm.Event(vm.Outcome(outcome, reason, note), vm.DONE_STEP),
    ]
    span = (ended - started).total_seconds()
    last = len(evs) - 1
    times = [started + timedelta(seconds=int(span * i / last)) for i in range(len(evs))]
    out: list[tuple[datetime, vm.Event]] = []
    state = vm.VisitState()
    prev = started
    for at, e in zip(times, evs, strict=True):
        if isinstance(e.payload, vm.StepDone):
            e = replace(e, payload=replace(e.payload, seconds=int((at - prev).total_seconds())))
        if isinstance(e.payload, vm.StepDone | vm.Retry | vm.Prereq):
            prev = at
        state = vm.apply(state, e)  # the seed writes only what the counter could write
        out.append((at, e))
    return out


def _working_days(today: date, days: int, now_local: datetime) -> list[tuple[date, float]]:
    """The weekdays among the ``days`` calendar days ending today, with the share of office
    hours available (today only up to now)."""
    out: list[tuple[date, float]] = []
    full = (CLOSE_AT.hour - OPEN_AT.hour) * 3600
    for i in range(days - 1, -1, -1):
        d = today - timedelta(days=i)
        if d.weekday() >= 5:
            continue
        if d == today:
            open_s = (now_local.hour - OPEN_AT.hour) * 3600 + now_local.minute * 60
            window = max(0, min(full, open_s))
            if window < 600:
                continue
            out.append((d, window))
        else:
            out.append((d, full))
    return out


def _ensure_officers(ctx: Context) -> tuple[int, list[tuple[int, str]]]:
    """kasi (supervisor) and three officers; existing accounts are kept as they are."""
    from counter.services import accounts

    made: list[tuple[int, str]] = []
    sup = accounts.get_officer(ctx, SUPERVISOR[0])
    if sup is None:
        sup = accounts.create_officer(
            ctx, SUPERVISOR[0], SUPERVISOR[1], role="supervisor", full_name=SUPERVISOR[2]
        )
    for username, pin, name, counter in OFFICERS:
        off = accounts.get_officer(ctx, username)
        if off is None:
            off = accounts.create_officer(
                ctx, username, pin, role="officer", full_name=name, by=sup
            )
        made.append((off.id or 0, counter))
    return sup.id or 0, made


def seed_demo(
    ctx: Context,
    registry: int = 5000,
    visits: int = 1500,
    days: int = 30,
    seed: int = 1,
    events: bool = True,
    progress: Any = None,
) -> dict[str, Any]:
    """Fill the database with sample data; returns a summary.

    Refuses a database that already holds visits (or registry rows when ``registry`` > 0), so
    seeding never mixes with real data. ``progress(done, total)`` is called after each chunk.
    """
    t0 = time.perf_counter()
    rng = random.Random(seed)
    erng = random.Random(f"{seed}-events")  # event ids: the visits do not depend on them
    _refuse_data(ctx, registry, visits)
    now = ctx.now()
    today = now.astimezone(ZoneInfo(ctx.settings.timezone)).date()
    _sup_id, officers = _ensure_officers(ctx)
    nikmaker = _NikMaker(rng, today)
    done = _Progress(progress, registry + visits)
    reg = _seed_registry(ctx, rng, nikmaker, registry, now, done)
    seeder = _VisitSeeder(ctx, rng, erng, now, officers, nikmaker, reg, events, done)
    wdays = seeder.run(days, visits)
    return {
        "seed": seed,
        "registry": registry,
        "registry_active": len(reg.active),
        "officers": [SUPERVISOR[0]] + [o[0] for o in OFFICERS],
        "visits": sum(seeder.outcome_counts.values()),
        "events": seeder.n_events,
        "days": len(wdays),
        "first_day": wdays[0][0].isoformat() if wdays else None,
        "last_day": wdays[-1][0].isoformat() if wdays else None,
        "outcomes": dict(sorted(seeder.outcome_counts.items())),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def _refuse_data(ctx: Context, registry: int, visits: int) -> None:
    """Seeding never mixes with real data."""
    with ctx.db.read() as s:
        n_visits = s.execute(select(func.count()).select_from(Visit)).scalar_one()
        n_reg = s.execute(select(func.count()).select_from(RegistryEntry)).scalar_one()
    if visits and n_visits:
        raise SeedError("not_empty", what="visit", count=n_visits)
    if registry and n_reg:
        raise SeedError("not_empty", what="registry_entry", count=n_reg)


class _Progress:
    """Rows written so far, reported to ``progress(done, total)`` after each chunk."""

    def __init__(self, progress: Any, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def add(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress(self.done, self.total)


@dataclass
class _SampleRegistry:
    """The sample registry the visits draw their NIKs from."""

    niks: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)


def _seed_registry(
    ctx: Context,
    rng: random.Random,
    nikmaker: _NikMaker,
    registry: int,
    now: datetime,
    done: _Progress,
) -> _SampleRegistry:
    """``registry`` entries (ACTIVE_SHARE of them active), written in chunks."""
    reg = _SampleRegistry()
    today = now.astimezone(ZoneInfo(ctx.settings.timezone)).date()
    act_from = date(2023, 1, 2).toordinal()
    act_span = max(1, today.toordinal() - 1 - act_from)
    reg_table = RegistryEntry.__table__  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = []
    import_id: int | None = None

    def flush() -> None:
        if rows:
            with ctx.db.begin() as conn:
                conn.execute(insert(reg_table), rows)
            done.add(len(rows))
            rows.clear()

    for _ in range(registry):
        n = nikmaker.make()
        active = rng.random() < ACTIVE_SHARE
        activated_on = date.fromordinal(act_from + rng.randrange(act_span)) if active else None
        status = oc.ACTIVE if active else oc.NOT_ACTIVE
        reg.niks.append(n)
        if active:
            reg.active.append(n)
        reg.status[n] = status
        if import_id is None:
            import_id = _seed_import(ctx, now, registry)
        rows.append(
            {"nik": n, "ikd_status": status, "activated_on": activated_on, "import_id": import_id}
        )
        if len(rows) >= CHUNK:
            flush()
    flush()
    return reg


class _VisitSeeder:
    """The sample visits of the working days, with their step events and follow-ups; the
    random draws happen in a fixed order, so the same seed gives the same rows."""

    def __init__(
        self,
        ctx: Context,
        rng: random.Random,
        erng: random.Random,
        now: datetime,
        officers: list[tuple[int, str]],
        nikmaker: _NikMaker,
        reg: _SampleRegistry,
        events: bool,
        done: _Progress,
    ) -> None:
        from counter.services.settings_store import device_id

        self.ctx, self.rng, self.erng, self.officers = ctx, rng, erng, officers
        self.nikmaker, self.reg, self.events, self.done = nikmaker, reg, events, done
        self.dev = device_id(ctx)
        self.tz = ZoneInfo(ctx.settings.timezone)
        self.now = now
        self.today = self.now.astimezone(self.tz).date()
        self.outcome_counts: Counter[str] = Counter()
        self.n_events = 0
        self.vrows: list[dict[str, Any]] = []
        self.erows: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}  # visits of the current chunk
        self.resolve_rows: list[dict[str, Any]] = []  # earlier chunks' visits resolved now
        self.activated_here: set[str] = set()
        self.open_followups: dict[str, list[tuple[str, int]]] = {}  # nik -> [(id, last_seq)]
        self.retry_pool: list[str] = []  # NIKs that ended PENDING/FAILED: some come back
        self.outcome_pick = _Picker(tuple((o, w) for o, (w, _) in MIX.items()))
        self.reason_pick = {o: _Picker(rs) for o, (_, rs) in MIX.items()}
        self.purpose_pick = _Picker(PURPOSES)

    def run(self, days: int, visits: int) -> list[tuple[date, float]]:
        """Spread ``visits`` over the working days of the last ``days``; returns those days."""
        rng = self.rng
        wdays = _working_days(self.today, max(1, days), self.now.astimezone(self.tz))
        if not (visits and wdays):
            return wdays
        per_day = Counter(rng.choices(range(len(wdays)), weights=[w for _, w in wdays], k=visits))
        for di, (day, window) in enumerate(wdays):
            count = per_day.get(di, 0)
            if not count:
                continue
            day_open = datetime.combine(day, OPEN_AT, self.tz).astimezone(UTC)
            mode = min(window, 2.5 * 3600)
            starts = sorted(rng.triangular(0, window, mode) for _ in range(count))
            limit = self.now if day == self.today else None
            for offset in starts:
                self._visit(day, day_open + timedelta(seconds=int(offset)), limit)
                if len(self.vrows) >= CHUNK:
                    self._flush()
        self._flush()
        return wdays

    def _who(self) -> str:
        """Who comes: a retry, a registry NIK (active or not), a new or outside NIK."""
        rng, reg = self.rng, self.reg
        r = rng.random()
        if self.retry_pool and r < 0.06:
            return self.retry_pool.pop(rng.randrange(len(self.retry_pool)))
        if reg.active and r < 0.27:
            return reg.active[rng.randrange(len(reg.active))]
        if reg.niks and r < 0.88:
            return reg.niks[rng.randrange(len(reg.niks))]
        if r < 0.96:
            return self.nikmaker.make()
        return self.nikmaker.make(OUTSIDE[rng.randrange(len(OUTSIDE))])

    def _visit(self, day: date, started: datetime, limit: datetime | None) -> None:
        rng = self.rng
        officer_id, counter = self.officers[rng.randrange(len(self.officers))]
        nik = self._who()
        status = self.reg.status.get(nik, oc.UNKNOWN)
        if nik in self.activated_here:
            status = oc.ACTIVE
        if status == oc.ACTIVE:
            outcome, reason = oc.ALREADY_ACTIVE, None
        else:
            outcome = self.outcome_pick(rng)
            reason = self.reason_pick[outcome](rng)
        lo, hi = HANDLING[outcome]
        handling = rng.randint(lo, hi)
        ended = started + timedelta(seconds=handling)
        if limit is not None and ended > limit:
            ended = max(started + timedelta(seconds=10), limit)
            handling = int((ended - started).total_seconds())
        consent = outcome != oc.ALREADY_ACTIVE and rng.random() < 0.4
        phone = _sample_phone(rng) if consent else None
        purpose = self.purpose_pick(rng)
        vid = _uuid(rng)
        followup = "open" if outcome in oc.FOLLOW_UP and consent and phone else None
        note = None
        if outcome == oc.PENDING and rng.random() < 0.3:
            note = "kembali besok" if reason == "email_not_received" else "server SIAK"
        seq = 0
        if self.events:  # the step events, spread over the handling time
            timeline = self._timeline(
                outcome, reason, status, purpose, consent, note, started, ended
            )
            for at, e in timeline:
                seq += 1
                self._event(vid, seq, at, officer_id, e)
            self.n_events += seq
        row = {
            "id": vid,
            "office_code": self.ctx.settings.office_code,
            "counter_id": counter,
            "officer_id": officer_id,
            "device_id": self.dev,
            "event_id": None,
            "nik": nik,
            "district_code": nik[:6],
            "in_batang": nik.startswith(regions.BATANG_PREFIX),
            "ikd_status_found": status,
            "name": None,
            "phone": phone,
            "consent_contact": consent,
            "purpose": purpose,
            "day": day,
            "started_at": started,
            "ended_at": ended,
            "current_step": "done",
            "outcome": outcome,
            "reason": reason,
            "note": note,
            "handling_seconds": handling,
            "followup_state": followup,
            "followup_note": None,
            "resolved_by_visit_id": None,
            "revision": 0,
            "last_seq": seq,
            "updated_at": ended,
        }
        self.vrows.append(row)
        self.by_id[vid] = row
        self.outcome_counts[outcome] += 1
        if outcome == oc.ACTIVATED:
            self.activated_here.add(nik)
            self._resolve_followups(nik, vid, ended, officer_id)
        elif outcome in oc.FOLLOW_UP:
            self.retry_pool.append(nik)
            if followup:
                self.open_followups.setdefault(nik, []).append((vid, seq))

    def _timeline(
        self,
        outcome: str,
        reason: str | None,
        status: str,
        purpose: str,
        consent: bool,
        note: str | None,
        started: datetime,
        ended: datetime,
    ) -> list[tuple[datetime, vm.Event]]:
        # sometimes a problem that a remedy fixed on the way to success
        fixed = (
            self.rng.choice(("face_fail", "app_error", "email_not_received"))
            if outcome == oc.ACTIVATED and self.rng.random() < 0.2
            else None
        )
        return _timeline(outcome, reason, status, purpose, consent, note, fixed, started, ended)

    def _resolve_followups(self, nik: str, vid: str, ended: datetime, officer_id: int) -> None:
        """An activation resolves the NIK's open follow-ups (as visits.resolve_followups)."""
        for old_id, old_seq in self.open_followups.pop(nik, []):
            new_seq = old_seq + (1 if self.events else 0)
            if self.events:
                change = vm.FollowUpChange(vm.FU_RESOLVED, by_visit=vid)
                self._event(old_id, new_seq, ended, officer_id, vm.Event(change))
                self.n_events += 1
            old = self.by_id.get(old_id)
            if old is not None:
                old.update(
                    followup_state="resolved",
                    resolved_by_visit_id=vid,
                    revision=old["revision"] + 1,
                    last_seq=new_seq,
                    updated_at=ended,
                )
            else:
                self.resolve_rows.append({"vid": old_id, "by": vid, "seq": new_seq, "at": ended})

    def _event(self, vid: str, seq: int, at: datetime, officer_id: int, e: vm.Event) -> None:
        self.erows.append(
            {
                "id": _uuid(self.erng),
                "visit_id": vid,
                "seq": seq,
                "device_id": self.dev,
                "at": at,
                "officer_id": officer_id,
                "kind": e.kind,
                "step": e.step,
                "data": json.dumps(e.to_data(), ensure_ascii=False),
            }
        )

    def _flush(self) -> None:
        """One transaction per chunk: the visits, earlier chunks' resolutions, the events."""
        if not self.vrows:
            return
        visit_table = Visit.__table__  # type: ignore[attr-defined]
        with self.ctx.db.begin() as conn:
            conn.execute(insert(visit_table), self.vrows)
            if self.resolve_rows:
                conn.execute(
                    update(visit_table)
                    .where(visit_table.c.id == bindparam("vid"))
                    .values(
                        followup_state="resolved",
                        resolved_by_visit_id=bindparam("by"),
                        revision=visit_table.c.revision + 1,
                        last_seq=bindparam("seq"),
                        updated_at=bindparam("at"),
                    ),
                    self.resolve_rows,
                )
            if self.erows:
                conn.execute(insert(VisitEvent.__table__), self.erows)  # type: ignore[attr-defined]
        self.done.add(len(self.vrows))
        self.vrows.clear()
        self.erows.clear()
        self.by_id.clear()
        self.resolve_rows.clear()


def _sample_phone(rng: random.Random) -> str:
    return (
        "08"
        + str(rng.choice((11, 12, 13, 21, 22, 52, 56, 57, 77, 78)))
        + "".join(str(rng.randrange(10)) for _ in range(rng.randint(6, 8)))
    )


def _seed_import(ctx: Context, now: datetime, rows: int) -> int:
    """The registry_import row the sample registry entries point to."""
    with ctx.db.write() as s:
        imp = RegistryImport(source=SOURCE, imported_at=now, read=rows, inserted=rows)
        s.add(imp)
        s.flush()
        assert imp.id is not None
        return imp.id
