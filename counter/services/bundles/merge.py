"""Importing a bundle: merged into this database in one write transaction, exactly once (see
the package docstring for the rules)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from counter.domain import visit as vm
from counter.services import audit, bundle_check, bundle_key
from counter.services.audit import Actor
from counter.services.bundle_file import BundleError, BundleRefused, read_verified
from counter.services.bundles.format import (
    EVENT_FIELDS,
    VEVENT_FIELDS,
    VISIT_FIELDS,
    chunks,
    mask_nik,
)
from counter.services.bundles.results import ImportSummary, OutcomeConflict
from counter.services.bundles.validate import Bundle, parse_bundle, read_bundle, verify
from counter.services.context import Context
from counter.services.visits import resolve_followups
from counter.store.models import BundleImport, DayClose, Officer, OutreachEvent, Visit, VisitEvent


def import_bundle(ctx: Context, path: str | Path, officer: Actor | None = None) -> ImportSummary:
    """Merge a bundle file into this database in one transaction (see the module docstring)."""
    raw, name = read_verified(path, bundle_key.current(ctx))  # signed with our key
    _, digest = verify(raw, name)
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


def _merge(ctx: Context, b: Bundle, officer: Actor | None, name: str) -> ImportSummary:
    summ = ImportSummary(sha256=b.sha256, source_device=b.device_id, visits_in_bundle=len(b.visits))
    now = ctx.now()
    ev_by_visit: dict[str, list[dict[str, Any]]] = {}
    for e in b.vevents:
        ev_by_visit.setdefault(e["visit_id"], []).append(e)
    with ctx.db.write() as s:
        if s.get(BundleImport, b.sha256) is not None:  # imported meanwhile by another process
            raise IntegrityError("bundle imported meanwhile", None, Exception())
        ids = _officer_ids(s, ctx, b, summ, officer)
        _add_outreach_events(s, b, summ)
        existing: dict[str, Visit] = {}
        for chunk in chunks([v["id"] for v in b.visits]):
            existing.update(
                {v.id: v for v in s.exec(select(Visit).where(col(Visit.id).in_(chunk)))}
            )
        _refuse_other_resident(b, existing, name)
        closed = {d.day for d in s.exec(select(DayClose).where(DayClose.status == "closed"))}
        new_rows, new_events = _new_visits(b, existing, ids, closed, ev_by_visit, summ)
        if new_rows:
            s.execute(insert(Visit.__table__), new_rows)  # type: ignore[attr-defined]
        summ.new_visits = len(new_rows)
        new_events += _update_present(s, b, existing, ids, closed, ev_by_visit, now, summ)
        if new_events:
            s.execute(insert(VisitEvent.__table__), new_events)  # type: ignore[attr-defined]
        summ.events_added = len(new_events)
        touched = {r["nik"] for r in new_rows} | {v.nik for v in existing.values() if v in s.dirty}
        summ.followups_resolved = resolve_followups(
            s, ctx, touched, officer.id if officer else None
        )
        summ.closed_days = sorted(set(summ.closed_days))
        _record_import(s, ctx, b, summ, officer, name, now)
    return summ


def _add_outreach_events(s: Session, b: Bundle, summ: ImportSummary) -> None:
    """Outreach events, by id: the ones not here yet are added."""
    have_ev: set[str] = set()
    for chunk in chunks([e["id"] for e in b.events]):
        have_ev.update(s.exec(select(OutreachEvent.id).where(col(OutreachEvent.id).in_(chunk))))
    new_ev = [{k: e[k] for k in EVENT_FIELDS} for e in b.events if e["id"] not in have_ev]
    if new_ev:
        s.execute(insert(OutreachEvent.__table__), new_ev)  # type: ignore[attr-defined]
    summ.outreach_events_added = len(new_ev)


def _new_visits(
    b: Bundle,
    existing: dict[str, Visit],
    ids: dict[str | None, int | None],
    closed: set[date],
    ev_by_visit: dict[str, list[dict[str, Any]]],
    summ: ImportSummary,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the visits not here yet (voided when their timeline says so) and their events."""
    new_rows, new_events = [], []
    for v in b.visits:
        if v["id"] in existing:
            continue
        row = {k: v[k] for k in VISIT_FIELDS}
        row["officer_id"] = ids[v["officer"]]
        voided = _void_of(ev_by_visit.get(v["id"], []))
        row["voided_at"], row["void_reason"] = voided or (None, None)
        new_rows.append(row)
        if v["day"] in closed:
            summ.closed_days.append(v["day"].isoformat())
        for e in ev_by_visit.get(v["id"], []):
            new_events.append(_event_row(e, ids))
    return new_rows, new_events


def _update_present(
    s: Session,
    b: Bundle,
    existing: dict[str, Visit],
    ids: dict[str | None, int | None],
    closed: set[date],
    ev_by_visit: dict[str, list[dict[str, Any]]],
    now: datetime,
    summ: ImportSummary,
) -> list[dict[str, Any]]:
    """Visits present on both sides: the events they lack (returned as rows to insert), then
    their summary row re-derived."""
    present = [v for v in b.visits if v["id"] in existing]
    have: set[str] = set()
    for chunk in chunks([v["id"] for v in present]):
        have.update(s.exec(select(VisitEvent.id).where(col(VisitEvent.visit_id).in_(chunk))))
    new_events: list[dict[str, Any]] = []
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
        bundle_ids = [e["id"] for e in ev_by_visit.get(v["id"], [])]
        _update_visit(local, v, local_events, lacking, bundle_ids, now, summ)
        if local.day in closed:
            summ.closed_days.append(local.day.isoformat())
        summ.visits_updated += 1
    return new_events


def _record_import(
    s: Session,
    ctx: Context,
    b: Bundle,
    summ: ImportSummary,
    officer: Actor | None,
    name: str,
    now: datetime,
) -> None:
    """The bundle_import row (its checksum makes a second import a no-op) and the audit."""
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


def _refuse_other_resident(b: Bundle, existing: dict[str, Visit], name: str) -> None:
    """A visit id already here for another NIK is a conflict, not a merge: refused whole."""
    for v in b.visits:
        here = existing.get(v["id"])
        if here is not None and here.nik != v["nik"]:
            raise BundleRefused(
                "conflict",
                file=name,
                visit=v["id"],
                ours=mask_nik(here.nik),
                theirs=mask_nik(v["nik"]),
            )


def _event_row(e: dict[str, Any], ids: dict[str | None, int | None]) -> dict[str, Any]:
    row = {k: e[k] for k in VEVENT_FIELDS}
    row["officer_id"] = ids.get(e.get("officer"))
    return row


def _officer_ids(
    s: Session, ctx: Context, b: Bundle, summ: ImportSummary, by: Actor | None
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
        role = str(o["role"]) if o.get("role") in ("officer", "supervisor") else "officer"
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
                    mask_nik(local.nik),
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
