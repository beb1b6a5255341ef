"""Bundles: move visits between an outreach laptop and the office database, exactly once.

File format (one file, ``.ikdb``): one gzip member (any gzip tool can read it; its header is fixed
and its extra field records the file's length) holding JSON lines:

- line 1, the manifest: ``{"format": "ikd-counter-bundle", "version": 1, "device_id": ...,
  "created_at": ..., "mode": ..., "counts": {...}}``
- then one record per line: ``{"t": "officer"|"event"|"visit"|"vevent", ...}``; officers carry
  username, name and role only (never PIN hashes);
- last line, the trailer: ``{"t": "end", "sha256": <hex over every byte before this line>}``.

Every byte of the file is checked: the gzip header must be exactly ours, the length must match, the
deflate stream and its CRC must be intact, and the sha256 must match; otherwise the file is refused
whole, as truncated (shorter than recorded), altered, or foreign (not a bundle at all).

Import merges in ONE write transaction: by visit id (new visits added with their timeline; a visit
already present gains only the events it lacks, by event UUID); the visit's outcome is the newest
outcome/correction event by time, and a disagreement between the two sides is reported. Officers
are matched by username; unknown ones are created disabled without a PIN. A bundle already imported
(same sha256, table ``bundle_import``) changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from counter.domain import visit as vm
from counter.services import audit, bundle_check, bundle_key, settings_store
from counter.services.bundle_file import BundleError, BundleRefused, read_verified, wrap
from counter.services.context import Context
from counter.services.visits import resolve_followups
from counter.store.models import (
    BundleExport,
    BundleImport,
    DayClose,
    Officer,
    OutreachEvent,
    Visit,
    VisitEvent,
)

FORMAT = "ikd-counter-bundle"
VERSION = 1
SUFFIX = ".ikdb"
# The file itself (signed gzip member, bounded reading): see services/bundle_file.py.
_CHUNK = 500  # ids per IN (...) query

_VISIT_FIELDS = (
    "id",
    "office_code",
    "counter_id",
    "device_id",
    "event_id",
    "nik",
    "district_code",
    "in_batang",
    "ikd_status_found",
    "name",
    "phone",
    "consent_contact",
    "purpose",
    "day",
    "started_at",
    "ended_at",
    "current_step",
    "outcome",
    "reason",
    "note",
    "handling_seconds",
    "followup_state",
    "followup_note",
    "resolved_by_visit_id",
    "revision",
    "last_seq",
    "updated_at",
)
_VISIT_TS = ("started_at", "ended_at", "updated_at")
_EVENT_FIELDS = (
    "id",
    "name",
    "place_code",
    "place_name",
    "place_kind",
    "day",
    "device_id",
    "created_at",
)
_VEVENT_FIELDS = ("id", "visit_id", "seq", "device_id", "at", "kind", "step", "data")
_OFFICER_FIELDS = ("username", "full_name", "role")
# the fields each record kind carries ("officer": the username of the visit's or event's officer)
_RECORD_FIELDS = {
    "officer": _OFFICER_FIELDS,
    "event": _EVENT_FIELDS,
    "visit": (*_VISIT_FIELDS, "officer"),
    "vevent": (*_VEVENT_FIELDS, "officer"),
}
__all__ = ["BundleError", "BundleRefused"]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    device_id: str
    mode: str
    visits: int
    events: int
    officers: int
    outreach_events: int

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


@dataclass(frozen=True)
class OutcomeConflict:
    visit_id: str
    nik_masked: str
    ours: str | None
    theirs: str | None
    winner: str | None
    winner_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["winner_at"] = self.winner_at.isoformat() if self.winner_at else None
        return d


@dataclass
class ImportSummary:
    sha256: str
    source_device: str
    already_imported: bool = False
    visits_in_bundle: int = 0
    new_visits: int = 0
    events_added: int = 0
    visits_updated: int = 0
    unchanged_visits: int = 0
    outcomes_changed: int = 0
    followups_resolved: int = 0
    outreach_events_added: int = 0
    officers_created: list[str] = field(default_factory=list)
    conflicts: list[OutcomeConflict] = field(default_factory=list)
    closed_days: list[str] = field(default_factory=list)

    @property
    def outcome_conflicts(self) -> int:
        return len(self.conflicts)

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.new_visits
            or self.events_added
            or self.visits_updated
            or self.officers_created
            or self.outreach_events_added
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "source_device": self.source_device,
            "already_imported": self.already_imported,
            "visits_in_bundle": self.visits_in_bundle,
            "new_visits": self.new_visits,
            "events_added": self.events_added,
            "visits_updated": self.visits_updated,
            "unchanged_visits": self.unchanged_visits,
            "outcomes_changed": self.outcomes_changed,
            "followups_resolved": self.followups_resolved,
            "outreach_events_added": self.outreach_events_added,
            "officers_created": list(self.officers_created),
            "outcome_conflicts": [c.to_json() for c in self.conflicts],
            "closed_days": list(self.closed_days),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ImportSummary:
        s = cls(sha256=d["sha256"], source_device=d.get("source_device", ""))
        for k in (
            "visits_in_bundle",
            "new_visits",
            "events_added",
            "visits_updated",
            "unchanged_visits",
            "outcomes_changed",
            "followups_resolved",
            "outreach_events_added",
        ):
            setattr(s, k, int(d.get(k, 0)))
        s.officers_created = list(d.get("officers_created", []))
        s.closed_days = list(d.get("closed_days", []))
        s.conflicts = [
            OutcomeConflict(
                c["visit_id"],
                c.get("nik_masked", ""),
                c.get("ours"),
                c.get("theirs"),
                c.get("winner"),
                _dt(c.get("winner_at")),
            )
            for c in d.get("outcome_conflicts", [])
        ]
        return s

    def lines(self, lang: str = "id") -> list[str]:
        """Human-readable summary (catalog texts)."""
        from counter.i18n import catalog

        t = catalog(lang).t
        if self.already_imported:
            return [t("bundle.import.already", sha=self.sha256[:12])]
        out = [
            t("bundle.import.done", device=self.source_device, visits=self.visits_in_bundle),
            t("bundle.import.new_visits", n=self.new_visits),
            t("bundle.import.events_added", n=self.events_added),
            t("bundle.import.visits_updated", n=self.visits_updated),
            t("bundle.import.outcomes_changed", n=self.outcomes_changed),
            t("bundle.import.conflicts", n=len(self.conflicts)),
        ]
        for c in self.conflicts:
            out.append(
                t(
                    "bundle.import.conflict",
                    visit=c.visit_id[:8],
                    nik=c.nik_masked,
                    ours=c.ours or "-",
                    theirs=c.theirs or "-",
                    winner=c.winner or "-",
                )
            )
        if self.followups_resolved:
            out.append(t("bundle.import.followups_resolved", n=self.followups_resolved))
        if self.outreach_events_added:
            out.append(t("bundle.import.outreach_added", n=self.outreach_events_added))
        if self.officers_created:
            out.append(
                t(
                    "bundle.import.officers_created",
                    n=len(self.officers_created),
                    names=", ".join(self.officers_created),
                )
            )
        if self.closed_days:
            out.append(t("bundle.import.closed_days", days=", ".join(self.closed_days)))
        if not self.changed_anything:
            out.append(t("bundle.import.nothing_new"))
        return out


# -- encoding helpers ----------------------------------------------------------------------------


def _iso(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def _dt(v: Any) -> datetime | None:
    if v is None:
        return None
    d = datetime.fromisoformat(v)
    if d.tzinfo is None:
        raise ValueError("naive timestamp")
    return d


def _day(v: Any) -> date:
    return date.fromisoformat(v)


def _line(obj: dict[str, Any]) -> bytes:
    return (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
    ).encode("utf-8")


def _mask(nik: str) -> str:
    try:
        from counter.domain.nik import mask

        return mask(nik)
    except Exception:  # noqa: BLE001 - masking must never break a report
        return nik[:6] + "******" + nik[-4:]


# -- export --------------------------------------------------------------------------------------


def last_high_water(ctx: Context) -> datetime | None:
    with ctx.db.read() as s:
        return s.exec(select(func.max(BundleExport.high_water))).one()


def export_bundle(
    ctx: Context,
    path: str | Path,
    *,
    since_last: bool = False,
    event_id: str | None = None,
    officer: Officer | None = None,
) -> ExportResult:
    """Write visits (all, or changed since the last bundle, or of one outreach event) to ``path``.

    The file is written under a temporary name and renamed, so a failed export leaves nothing.
    """
    if since_last and event_id:
        raise BundleError("modes")
    key = bundle_key.require(ctx)  # made at the office, copied to a laptop (bundle key ...)
    dev = settings_store.device_id(ctx)
    mode = "since_last" if since_last else ("event" if event_id else "all")
    now = ctx.now()
    vt, et = Visit.__table__, VisitEvent.__table__  # type: ignore[attr-defined]
    with ctx.db.read() as s:  # plain rows (no ORM objects): 50,000 events load in a blink
        q = select(vt)
        hw_prev: datetime | None = None
        if since_last:
            hw_prev = s.exec(select(func.max(BundleExport.high_water))).one()
            if hw_prev is not None:
                q = q.where(vt.c.updated_at > hw_prev)
        if event_id:
            if s.get(OutreachEvent, event_id) is None:
                raise BundleError("no_event", ref=event_id)
            q = q.where(vt.c.event_id == event_id)
        visits = list(s.execute(q.order_by(vt.c.started_at, vt.c.id)).all())
        ids = [v.id for v in visits]
        vevents: list[Any] = []
        for chunk in _chunks(ids):
            vevents.extend(s.execute(select(et).where(et.c.visit_id.in_(chunk))).all())
        vevents.sort(key=lambda e: (e.visit_id, e.at, e.device_id, e.seq))
        officer_ids = {v.officer_id for v in visits} | {
            e.officer_id for e in vevents if e.officer_id is not None
        }
        officers = (
            {o.id: o for o in s.exec(select(Officer).where(col(Officer.id).in_(officer_ids)))}
            if officer_ids
            else {}
        )
        ev_ids = sorted({v.event_id for v in visits if v.event_id})
        outreach = (
            list(s.exec(select(OutreachEvent).where(col(OutreachEvent.id).in_(ev_ids))))
            if ev_ids
            else []
        )

    def uname(oid: int | None) -> str | None:
        if oid is None:
            return None
        o = officers.get(oid)
        return o.username if o else None

    body: list[bytes] = [
        _line(
            {
                "format": FORMAT,
                "version": VERSION,
                "device_id": dev,
                "office_code": ctx.settings.office_code,
                "counter_id": ctx.settings.counter_id,
                "created_at": now.isoformat(),
                "mode": mode,
                "event": event_id,
                "since": hw_prev.isoformat() if hw_prev else None,
                "counts": {
                    "officer": len(officers),
                    "event": len(outreach),
                    "visit": len(visits),
                    "vevent": len(vevents),
                },
            }
        )
    ]
    for o in sorted(officers.values(), key=lambda o: o.username):
        body.append(
            _line(
                {"t": "officer", "username": o.username, "full_name": o.full_name, "role": o.role}
            )
        )
    for e in outreach:
        body.append(_line({"t": "event", **{k: _iso(getattr(e, k)) for k in _EVENT_FIELDS}}))
    for v in visits:
        rec = {k: _iso(getattr(v, k)) for k in _VISIT_FIELDS}
        rec["officer"] = uname(v.officer_id)
        body.append(_line({"t": "visit", **rec}))
    for e in vevents:
        rec = {k: _iso(getattr(e, k)) for k in _VEVENT_FIELDS}
        rec["officer"] = uname(e.officer_id)
        body.append(_line({"t": "vevent", **rec}))
    content = b"".join(body)
    digest = hashlib.sha256(content).hexdigest()
    raw = content + _line({"t": "end", "sha256": digest})
    data = _gzip(raw, key)

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", dir=str(target.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        high_water = max((v.updated_at for v in visits), default=None)
        with ctx.db.write() as s:
            s.add(
                BundleExport(
                    created_at=now,
                    sha256=digest,
                    visits=len(visits),
                    file_path=str(target.resolve()),
                    high_water=(high_water or hw_prev) if mode != "event" else None,
                )
            )
            audit.record(
                s,
                ctx,
                "bundle_export",
                officer,
                target=str(target),
                mode=mode,
                visits=len(visits),
                sha256=digest,
            )
            # renamed before the commit: a file without a record only means its visits go
            # again next time (imports merge by id); a record without a file would lose them
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ExportResult(
        target, digest, dev, mode, len(visits), len(vevents), len(officers), len(outreach)
    )


def _chunks(items: list[Any], n: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _gzip(raw: bytes, key: bytes) -> bytes:
    """The signed file of ``raw`` (see services/bundle_file.py)."""
    return wrap(raw, key)


# -- reading and checking ------------------------------------------------------------------------


@dataclass
class Bundle:
    manifest: dict[str, Any]
    sha256: str
    officers: list[dict[str, Any]]
    events: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    vevents: list[dict[str, Any]]

    @property
    def device_id(self) -> str:
        return str(self.manifest.get("device_id", ""))


def read_bundle(path: str | Path, key: bytes, rules: Any = None) -> Bundle:
    """Read and verify a bundle file signed with ``key``; nothing is written."""
    raw, name = read_verified(path, key)
    return parse_bundle(raw, name, rules)


def _verify(raw: bytes, name: str) -> tuple[bytes, str]:
    if not raw.endswith(b"\n"):
        raise BundleError("truncated", file=name)
    cut = raw.rfind(b"\n", 0, len(raw) - 1)
    content, last = raw[: cut + 1], raw[cut + 1 :]
    try:
        trailer = json.loads(last)
    except ValueError:
        raise BundleError("truncated", file=name) from None
    if not isinstance(trailer, dict) or trailer.get("t") != "end":
        raise BundleError("truncated", file=name)
    digest = hashlib.sha256(content).hexdigest()
    if trailer.get("sha256") != digest:
        raise BundleError("altered", file=name)
    return content, digest


def parse_bundle(raw: bytes, name: str = "bundle", rules: Any = None) -> Bundle:
    """The records of a verified bundle's content, every one checked (bundle_check) with
    ``rules`` (this office's; default: the packaged protocol, the bundle's own office)."""
    content, digest = _verify(raw, name)
    try:
        lines = content.decode("utf-8").split("\n")[:-1]
        manifest = json.loads(lines[0])
    except (ValueError, IndexError):
        raise BundleError("foreign", file=name) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError("foreign", file=name)
    if manifest.get("version") != VERSION:
        raise BundleError(
            "version", file=name, version=bundle_check.br.shown(manifest.get("version"))
        )
    if rules is None:
        rules = bundle_check.default_rules(str(manifest.get("office_code")))
    lists = bundle_check.check_records(lines, manifest, rules, _RECORD_FIELDS, name)
    counts = manifest["counts"]
    if any(counts[k] != len(v) for k, v in lists.items()):
        raise BundleError("altered", file=name)
    return Bundle(
        manifest, digest, lists["officer"], lists["event"], lists["visit"], lists["vevent"]
    )


# -- import --------------------------------------------------------------------------------------


def import_bundle(ctx: Context, path: str | Path, officer: Officer | None = None) -> ImportSummary:
    """Merge a bundle file into this database in one transaction (see the module docstring)."""
    raw, name = read_verified(path, bundle_key.current(ctx))  # signed with our key
    _, digest = _verify(raw, name)
    prior = _already(ctx, digest)  # known by its checksum: no need to parse it at all
    if prior is not None:
        return prior
    b = parse_bundle(raw, name, bundle_check.rules_for(ctx))
    try:
        return _merge(ctx, b, officer, name)
    except IntegrityError:
        # another process imported the same bundle (or the same visits) at the same moment:
        # our transaction was rolled back whole; try once more against the now-current data
        prior = _already(ctx, b.sha256)
        if prior is not None:
            return prior
        try:
            return _merge(ctx, b, officer, name)
        except IntegrityError as e:  # e.g. a copied laptop database reusing a device id
            detail = str(getattr(e, "orig", e)).splitlines()[0][:160]
            raise BundleError("clash", file=name, detail=detail) from None


def _already(ctx: Context, sha: str) -> ImportSummary | None:
    with ctx.db.read() as s:
        row = s.get(BundleImport, sha)
        if row is None:
            return None
        summ = ImportSummary.from_json(json.loads(row.summary or "{}") | {"sha256": sha})
        summ.already_imported = True
        return summ


def _outcome_of(ev: dict[str, Any]) -> tuple[str | None, str | None] | None:
    """(outcome, reason) set by an outcome or correction event, else None (the domain's rule)."""
    try:
        data = json.loads(ev["data"]) if isinstance(ev["data"], str) else ev["data"]
    except ValueError:
        return None
    return vm.outcome_event_of(ev["kind"], data)


def _ev_key(e: dict[str, Any]) -> tuple[Any, ...]:
    return (e["at"], e["device_id"], e["seq"], e["id"])


def _merge(ctx: Context, b: Bundle, officer: Officer | None, name: str) -> ImportSummary:
    summ = ImportSummary(sha256=b.sha256, source_device=b.device_id, visits_in_bundle=len(b.visits))
    now = ctx.now()
    ev_by_visit: dict[str, list[dict[str, Any]]] = {}
    for e in b.vevents:
        ev_by_visit.setdefault(e["visit_id"], []).append(e)
    with ctx.db.write() as s:
        if s.get(BundleImport, b.sha256) is not None:  # imported meanwhile by another process
            raise IntegrityError("bundle imported meanwhile", None, Exception())
        ids = _officer_ids(s, ctx, b, summ, officer)

        # outreach events, by id
        have_ev: set[str] = set()
        for chunk in _chunks([e["id"] for e in b.events]):
            have_ev.update(s.exec(select(OutreachEvent.id).where(col(OutreachEvent.id).in_(chunk))))
        new_ev = [{k: e[k] for k in _EVENT_FIELDS} for e in b.events if e["id"] not in have_ev]
        if new_ev:
            s.execute(insert(OutreachEvent.__table__), new_ev)  # type: ignore[attr-defined]
        summ.outreach_events_added = len(new_ev)

        # visits, by id
        all_ids = [v["id"] for v in b.visits]
        existing: dict[str, Visit] = {}
        for chunk in _chunks(all_ids):
            existing.update(
                {v.id: v for v in s.exec(select(Visit).where(col(Visit.id).in_(chunk)))}
            )
        _refuse_other_resident(b, existing, name)
        closed = {d.day for d in s.exec(select(DayClose).where(DayClose.status == "closed"))}
        new_rows, new_events = [], []
        for v in b.visits:
            if v["id"] in existing:
                continue
            row = {k: v[k] for k in _VISIT_FIELDS}
            row["officer_id"] = ids[v["officer"]]
            voided = _void_of(ev_by_visit.get(v["id"], []))
            row["voided_at"], row["void_reason"] = voided or (None, None)
            new_rows.append(row)
            if v["day"] in closed:
                summ.closed_days.append(v["day"].isoformat())
            for e in ev_by_visit.get(v["id"], []):
                new_events.append(_event_row(e, ids))
        if new_rows:
            s.execute(insert(Visit.__table__), new_rows)  # type: ignore[attr-defined]
        summ.new_visits = len(new_rows)

        # visits present on both sides: add the events they lack, then re-derive the summary
        present = [v for v in b.visits if v["id"] in existing]
        have: set[str] = set()
        for chunk in _chunks([v["id"] for v in present]):
            have.update(s.exec(select(VisitEvent.id).where(col(VisitEvent.visit_id).in_(chunk))))
        for v in present:
            lacking = [e for e in ev_by_visit.get(v["id"], []) if e["id"] not in have]
            if not lacking:
                summ.unchanged_visits += 1
                continue
            local = existing[v["id"]]
            local_events = [
                {
                    "id": e.id,
                    "at": e.at,
                    "device_id": e.device_id,
                    "seq": e.seq,
                    "kind": e.kind,
                    "step": e.step,
                    "data": e.data,
                }
                for e in s.exec(select(VisitEvent).where(VisitEvent.visit_id == local.id))
            ]
            new_events.extend(_event_row(e, ids) for e in lacking)
            _update_visit(
                local,
                v,
                local_events,
                lacking,
                [e["id"] for e in ev_by_visit.get(v["id"], [])],
                now,
                summ,
            )
            if local.day in closed:
                summ.closed_days.append(local.day.isoformat())
            summ.visits_updated += 1
        if new_events:
            s.execute(insert(VisitEvent.__table__), new_events)  # type: ignore[attr-defined]
        summ.events_added = len(new_events)
        touched = {r["nik"] for r in new_rows} | {v.nik for v in existing.values() if v in s.dirty}
        summ.followups_resolved = resolve_followups(
            s, ctx, touched, officer.id if officer else None
        )
        summ.closed_days = sorted(set(summ.closed_days))
        s.add(
            BundleImport(
                sha256=b.sha256,
                source_device=b.device_id,
                imported_at=now,
                officer_id=officer.id if officer else None,
                summary=json.dumps(summ.to_json(), ensure_ascii=False),
            )
        )
        audit.record(
            s,
            ctx,
            "bundle_import",
            officer,
            target=name,
            sha256=b.sha256,
            device=b.device_id,
            new_visits=summ.new_visits,
            events_added=summ.events_added,
            visits_updated=summ.visits_updated,
            conflicts=len(summ.conflicts),
            officers_created=summ.officers_created,
        )
    return summ


def _refuse_other_resident(b: Bundle, existing: dict[str, Visit], name: str) -> None:
    """A visit id already here for another NIK is a conflict, not a merge: refused whole."""
    for v in b.visits:
        here = existing.get(v["id"])
        if here is not None and here.nik != v["nik"]:
            raise BundleRefused(
                "conflict", file=name, visit=v["id"], ours=_mask(here.nik), theirs=_mask(v["nik"])
            )


def _event_row(e: dict[str, Any], ids: dict[str | None, int | None]) -> dict[str, Any]:
    row = {k: e[k] for k in _VEVENT_FIELDS}
    row["officer_id"] = ids.get(e.get("officer"))
    return row


def _officer_ids(
    s: Session, ctx: Context, b: Bundle, summ: ImportSummary, by: Officer | None
) -> dict[str | None, int | None]:
    """Local officer id for every username in the bundle; unknown ones created disabled."""
    names = sorted({o["username"] for o in b.officers})
    wanted = {v["officer"] for v in b.visits}
    if None in wanted or not wanted <= set(names):
        raise BundleError("invalid", file="bundle", detail="visit officer not in bundle")
    local = {
        o.username: o.id for o in s.exec(select(Officer).where(col(Officer.username).in_(names)))
    }
    for o in b.officers:
        if o["username"] in local:
            continue
        role = o.get("role") if o.get("role") in ("officer", "supervisor") else "officer"
        new = Officer(
            username=str(o["username"])[:32],
            full_name=str(o.get("full_name", ""))[:100],
            role=role,
            pin_hash="",
            active=False,
            created_at=ctx.now(),
            origin_device=b.device_id[:64],
        )
        s.add(new)
        s.flush()
        local[o["username"]] = new.id
        summ.officers_created.append(new.username)
        audit.record(
            s, ctx, "officer_imported", by, target=new.username, role=role, device=b.device_id
        )
    out: dict[str | None, int | None] = {None: None}
    out.update(local)
    return out


def _update_visit(
    local: Visit,
    theirs: dict[str, Any],
    local_events: list[dict[str, Any]],
    lacking: list[dict[str, Any]],
    bundle_event_ids: Iterable[str],
    now: datetime,
    summ: ImportSummary,
) -> None:
    """Fold the events a visit gained into its summary row: newest outcome wins, reported."""
    was_ended = local.ended_at is not None
    ours_outcome = local.outcome
    timeline = sorted(local_events + lacking, key=_ev_key)
    setters = [(e, r) for e in timeline if (r := _outcome_of(e)) is not None]
    finals = [e for e in timeline if e["kind"] == "outcome"]
    if finals and local.ended_at is None:
        # the visit was finished on the other side
        local.ended_at = theirs["ended_at"] or finals[0]["at"]
        local.handling_seconds = theirs["handling_seconds"]
        local.note = local.note or theirs["note"]
    if setters:
        last_ev, (outcome, reason) = setters[-1]
        # a conflict: both sides set an outcome the other side has not seen
        lacking_ids = {e["id"] for e in lacking}
        bundle_ids = set(bundle_event_ids)
        ours_only = any(e["id"] not in bundle_ids for e, _ in setters if e["id"] not in lacking_ids)
        theirs_new = any(e["id"] in lacking_ids for e, _ in setters)
        if ours_only and theirs_new:
            summ.conflicts.append(
                OutcomeConflict(
                    local.id,
                    _mask(local.nik),
                    ours_outcome,
                    theirs["outcome"],
                    outcome,
                    last_ev["at"],
                )
            )
        if outcome != ours_outcome:
            summ.outcomes_changed += 1
        local.outcome, local.reason = outcome, reason
    if local.ended_at is not None:
        local.current_step = "done"
    else:
        stepped = [e for e in timeline if e["step"]]
        if stepped:
            local.current_step = stepped[-1]["step"]
    erased = _erased_fields(timeline)  # erased under the retention rule: never brought back
    for k in ("name", "phone", "purpose", "followup_note", "resolved_by_visit_id"):
        if getattr(local, k) in (None, "") and theirs.get(k) and k not in erased:
            setattr(local, k, theirs[k])
    if theirs.get("consent_contact") and not local.consent_contact and theirs.get("phone"):
        local.consent_contact = True
    if local.followup_state is None and theirs.get("followup_state"):
        local.followup_state = theirs["followup_state"]
    local.followup_state = vm.followup_after(
        local.outcome, bool(local.consent_contact and local.phone), local.followup_state
    )
    _fold_void(local, timeline)
    local.last_seq = max([local.last_seq] + [int(e["seq"]) for e in timeline])
    local.revision = max(local.revision, int(theirs.get("revision") or 0)) + (1 if was_ended else 0)
    local.updated_at = max(local.updated_at, theirs["updated_at"], now)


def _erased_fields(timeline: list[dict[str, Any]]) -> set[str]:
    """Fields an ``erased`` event (``services.retention``) of this timeline emptied."""
    out: set[str] = set()
    for e in timeline:
        if e["kind"] == vm.ERASED:
            try:
                data = json.loads(e["data"]) if isinstance(e["data"], str) else e["data"]
                out.update(str(f) for f in data.get("fields", []))
            except (ValueError, AttributeError, TypeError):
                out.add("phone")  # unreadable: keep the number out, the safe side
    return out


def _void_of(events: Iterable[dict[str, Any]]) -> tuple[datetime, str | None] | None:
    """(time, reason) of the first void event among ``events``, else None."""
    for e in sorted(events, key=_ev_key):
        if e["kind"] != vm.Kind.VOID:
            continue
        data = json.loads(e["data"]) if isinstance(e["data"], str) else e["data"]
        p = vm.parse(e["kind"], e["step"], data).payload
        return e["at"], (p.reason if isinstance(p, vm.Void) else None) or None
    return None


def _fold_void(local: Visit, timeline: list[dict[str, Any]]) -> None:
    """A void event recorded on either side voids the visit here too (kept, not counted)."""
    voided = _void_of(timeline) if local.voided_at is None else None
    if voided is None:
        return
    local.voided_at, local.void_reason = voided
    local.ended_at = local.ended_at or voided[0]
    local.current_step = vm.DONE_STEP
    if local.followup_state in vm.FU_OPEN_STATES:
        local.followup_state = None


def describe_file(ctx: Context, path: str | Path) -> dict[str, Any]:
    """Manifest of a bundle file (verified), for a preview before importing."""
    b = read_bundle(path, bundle_key.require(ctx), bundle_check.rules_for(ctx))
    return {"sha256": b.sha256, **b.manifest}


def imports(ctx: Context, limit: int = 50) -> list[dict[str, Any]]:
    """Bundles imported here, newest first."""
    with ctx.db.read() as s:
        rows = s.exec(
            select(BundleImport).order_by(col(BundleImport.imported_at).desc()).limit(limit)
        ).all()
        return [
            {
                "sha256": r.sha256,
                "source_device": r.source_device,
                "imported_at": r.imported_at,
                **json.loads(r.summary or "{}"),
            }
            for r in rows
        ]
