"""The rules every record of a bundle must follow before anything is written.

A bundle is input from another machine: each of its records is checked with the same rules as the
counter applies to what an officer types (a valid NIK, outcome and reason codes from the protocol,
the input fields' lengths, plausible dates, known event kinds). Pure: no I/O. A broken record
raises ``RecordProblem`` naming the field and what is wrong with it; the caller names the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from counter.domain import limits as lim
from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import visit as vm

# Event kinds: the visit model's vocabulary (domain.visit.Kind), plus ``erased`` (the retention
# rule's record that a phone number was erased; services.retention).
EVENT_KINDS = frozenset({k.value for k in vm.Kind} | {vm.ERASED})
# Reason codes the counter records besides the protocol's problems and prerequisites: a visit
# left open and closed later (resume screen, day close) carries "interrupted".
EXTRA_REASONS = frozenset({"interrupted"})
# Steps of the counter screen around the protocol's own activation steps.
COUNTER_STEPS = frozenset({"nik", "status", "prereq", "outcome", "done"})
FOLLOWUP_STATES = ("open", "contacted", "resolved")
PLACE_KINDS = ("village", "school", "other")
ROLES = ("officer", "supervisor")
MODES = ("all", "since_last", "event")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_USERNAME = re.compile(r"^[a-z0-9._]{3,32}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")  # the protocol's id shape
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_PLACE_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
_DISTRICT = re.compile(r"^\d{6}$")
_HEX = re.compile(r"^[0-9a-f]{1,64}$")
# control characters (none can be typed into the counter's one-line inputs), lone surrogates
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_ML = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # newlines allowed


class RecordProblem(ValueError):
    """``field`` of a record is wrong: ``code`` (catalog key) and ``params`` say how."""

    def __init__(self, field: str, code: str, **params: object) -> None:
        self.field, self.code, self.params = field, code, params
        super().__init__(f"{field}: {code} {params}")


@dataclass(frozen=True)
class Rules:
    """What this office accepts: its office code, the protocol's codes, a plausible time span."""

    office_code: str
    steps: frozenset[str]  # protocol steps plus COUNTER_STEPS
    reasons: frozenset[str]  # problem and prerequisite ids
    earliest: datetime
    latest: datetime
    today: date

    @classmethod
    def make(
        cls,
        office_code: str,
        protocol_steps: Collection[str],
        reason_codes: Collection[str],
        now: datetime,
        today: date,
    ) -> Rules:
        return cls(
            office_code,
            frozenset(protocol_steps) | COUNTER_STEPS,
            frozenset(reason_codes) | EXTRA_REASONS,
            datetime(2020, 1, 1, tzinfo=now.tzinfo),
            now + timedelta(days=366),
            today,
        )


# -- single values ------------------------------------------------------------------------------


def text(
    rec: Mapping[str, Any],
    field: str,
    limit: int,
    *,
    optional: bool = True,
    multiline: bool = False,
) -> str | None:
    v = rec.get(field)
    if v is None or v == "":
        if optional:
            return None if v is None else v
        raise RecordProblem(field, "missing")
    if not isinstance(v, str):
        raise RecordProblem(field, "not_text")
    if len(v) > limit:
        raise RecordProblem(field, "too_long", n=len(v), limit=limit)
    if (_CONTROL_ML if multiline else _CONTROL).search(v):
        raise RecordProblem(field, "control")
    return v


def code(
    rec: Mapping[str, Any], field: str, allowed: Collection[str], *, optional: bool = True
) -> str | None:
    v = rec.get(field)
    if v is None and optional:
        return None
    if not isinstance(v, str) or v not in allowed:
        raise RecordProblem(field, "unknown_code", value=shown(v))
    return v


def ident(rec: Mapping[str, Any], field: str, limit: int, *, optional: bool = True) -> str | None:
    """A code shaped like the protocol's ids (steps, purposes): the protocol file may change,
    so what an older protocol recorded stays readable; only the shape is checked."""
    v = rec.get(field)
    if v is None and optional:
        return None
    if not isinstance(v, str) or len(v) > limit or not _CODE.match(v):
        raise RecordProblem(field, "unknown_code", value=shown(v))
    return v


def uuid_id(rec: Mapping[str, Any], field: str, *, optional: bool = False) -> str | None:
    v = rec.get(field)
    if v is None and optional:
        return None
    if not isinstance(v, str) or not _UUID.match(v):
        raise RecordProblem(field, "not_uuid", value=shown(v))
    return v


def integer(
    rec: Mapping[str, Any], field: str, low: int, high: int, *, optional: bool = False
) -> int | None:
    v = rec.get(field)
    if v is None and optional:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
        raise RecordProblem(field, "out_of_range", value=shown(v), low=low, high=high)
    return v


def boolean(rec: Mapping[str, Any], field: str) -> bool:
    v = rec.get(field)
    if not isinstance(v, bool):
        raise RecordProblem(field, "not_bool", value=shown(v))
    return v


def timestamp(
    rec: Mapping[str, Any], field: str, rules: Rules, *, optional: bool = False
) -> datetime | None:
    v = rec.get(field)
    if v is None and optional:
        return None
    try:
        if not isinstance(v, str) or len(v) > 40:
            raise ValueError
        d = datetime.fromisoformat(v)
    except ValueError:
        raise RecordProblem(field, "not_time", value=shown(v)) from None
    if d.tzinfo is None:
        raise RecordProblem(field, "naive_time", value=shown(v))
    if not rules.earliest <= d <= rules.latest:
        raise RecordProblem(field, "implausible_time", value=shown(v))
    return d


def day(rec: Mapping[str, Any], field: str, rules: Rules) -> date:
    v = rec.get(field)
    try:
        if not isinstance(v, str) or len(v) != 10:
            raise ValueError
        d = date.fromisoformat(v)
    except ValueError:
        raise RecordProblem(field, "not_date", value=shown(v)) from None
    if not rules.earliest.date() <= d <= rules.latest.date():
        raise RecordProblem(field, "implausible_time", value=shown(v))
    return d


def shown(v: object, limit: int = 40) -> str:
    """A value quoted in a message: its JSON text, cut short, without control characters."""
    try:
        s = json.dumps(v, ensure_ascii=True)
    except (TypeError, ValueError):
        s = type(v).__name__
    return s if len(s) <= limit else s[:limit] + "…"


def only_fields(rec: Mapping[str, Any], allowed: Collection[str]) -> None:
    if isinstance(allowed, frozenset) and rec.keys() == allowed:
        return  # the common case, one set comparison
    extra = sorted(k for k in rec if k not in allowed)
    if extra:
        raise RecordProblem(str(extra[0])[:40], "unknown_field")
    missing = [k for k in allowed if k not in rec]
    if missing:
        raise RecordProblem(missing[0], "missing")


# -- records ------------------------------------------------------------------------------------


def check_manifest(m: Mapping[str, Any], rules: Rules) -> None:
    """The bundle's first line (format and version are checked by the reader)."""
    text(m, "device_id", lim.DEVICE_ID, optional=False)
    office = m.get("office_code")
    if office != rules.office_code:
        raise RecordProblem(
            "office_code", "other_office", theirs=shown(office), ours=rules.office_code
        )
    text(m, "counter_id", lim.COUNTER_ID)
    timestamp(m, "created_at", rules)
    code(m, "mode", MODES, optional=False)
    uuid_id(m, "event", optional=True)
    timestamp(m, "since", rules, optional=True)
    counts = m.get("counts")
    if not isinstance(counts, dict) or set(counts) != {"officer", "event", "visit", "vevent"}:
        raise RecordProblem("counts", "bad_counts")
    for k in counts:
        integer(counts, k, 0, 10_000_000)


def check_officer(rec: dict[str, Any], fields: Collection[str]) -> dict[str, Any]:
    only_fields(rec, fields)
    u = rec.get("username")
    if not isinstance(u, str) or not _USERNAME.match(u):
        raise RecordProblem("username", "bad_username", value=shown(u))
    text(rec, "full_name", lim.FULL_NAME)
    code(rec, "role", ROLES, optional=False)
    return rec


def check_outreach(rec: dict[str, Any], fields: Collection[str], rules: Rules) -> dict[str, Any]:
    only_fields(rec, fields)
    uuid_id(rec, "id")
    text(rec, "name", lim.OUTREACH_NAME, optional=False)
    pc = text(rec, "place_code", lim.PLACE_CODE)
    if pc is not None and not _PLACE_CODE.match(pc):
        raise RecordProblem("place_code", "bad_place_code", value=shown(pc))
    text(rec, "place_name", lim.OUTREACH_NAME)
    code(rec, "place_kind", PLACE_KINDS, optional=False)
    text(rec, "device_id", lim.DEVICE_ID)
    rec["day"] = day(rec, "day", rules)
    rec["created_at"] = timestamp(rec, "created_at", rules)
    return rec


def check_visit(
    rec: dict[str, Any],
    fields: Collection[str],
    rules: Rules,
    officers: Collection[str],
    outreach: Collection[str],
) -> dict[str, Any]:
    """A visit summary row; converts its date and times in place."""
    only_fields(rec, fields)
    uuid_id(rec, "id")
    if rec.get("office_code") != rules.office_code:
        raise RecordProblem(
            "office_code",
            "other_office",
            theirs=shown(rec.get("office_code")),
            ours=rules.office_code,
        )
    text(rec, "counter_id", lim.COUNTER_ID)
    text(rec, "device_id", lim.DEVICE_ID)
    if not isinstance(rec.get("officer"), str) or rec["officer"] not in officers:
        raise RecordProblem("officer", "unknown_officer", value=shown(rec.get("officer")))
    if uuid_id(rec, "event_id", optional=True) not in (None, *outreach):
        raise RecordProblem("event_id", "unknown_event", value=shown(rec.get("event_id")))
    _check_nik(rec, rules)
    code(rec, "ikd_status_found", oc.IKD_STATUSES, optional=False)
    _check_contact(rec)
    rec["day"] = day(rec, "day", rules)
    for k in ("started_at", "updated_at"):
        rec[k] = timestamp(rec, k, rules)
    rec["ended_at"] = timestamp(rec, "ended_at", rules, optional=True)
    if abs((rec["day"] - rec["started_at"].date()).days) > 1:
        raise RecordProblem("day", "day_mismatch", value=shown(rec.get("day")))
    for k in ("ended_at", "updated_at"):
        if rec[k] is not None and rec[k] < rec["started_at"]:
            raise RecordProblem(k, "before_start", value=shown(rec[k].isoformat()))
    ident(rec, "current_step", lim.STEP, optional=False)
    _check_outcome(rec, rules)
    text(rec, "note", lim.NOTE)
    integer(rec, "handling_seconds", 0, lim.MAX_HANDLING_SECONDS, optional=True)
    code(rec, "followup_state", FOLLOWUP_STATES)
    text(rec, "followup_note", lim.FOLLOWUP_NOTE, multiline=True)
    uuid_id(rec, "resolved_by_visit_id", optional=True)
    integer(rec, "revision", 0, lim.MAX_COUNTER)
    integer(rec, "last_seq", 0, lim.MAX_COUNTER)
    return rec


def _check_nik(rec: Mapping[str, Any], rules: Rules) -> None:
    raw = rec.get("nik")
    if not isinstance(raw, str) or len(raw) != lim.NIK or not raw.isdigit():
        raise RecordProblem("nik", "bad_nik", value=shown(raw), why="16")
    info, err = nikmod.check(raw, rules.today)
    if err is not None or info is None or info.nik != raw:
        raise RecordProblem("nik", "bad_nik", value=shown(raw), why=err.code if err else "")
    if rec.get("district_code") != raw[:6]:
        raise RecordProblem("district_code", "not_of_nik", value=shown(rec.get("district_code")))
    if boolean(rec, "in_batang") != info.in_batang:
        raise RecordProblem("in_batang", "not_of_nik", value=shown(rec.get("in_batang")))


def _check_contact(rec: Mapping[str, Any]) -> None:
    text(rec, "name", lim.VISIT_NAME)
    consent = boolean(rec, "consent_contact")
    phone = text(rec, "phone", lim.PHONE)
    if phone is not None and (not _PHONE.match(phone) or not consent):
        raise RecordProblem("phone", "bad_phone" if consent else "no_consent")
    purpose = text(rec, "purpose", lim.PURPOSE)
    if purpose is not None:
        ident(rec, "purpose", lim.PURPOSE)


def _check_outcome(rec: Mapping[str, Any], rules: Rules) -> None:
    outcome = code(rec, "outcome", oc.OUTCOMES)
    reason = rec.get("reason")
    if reason is not None:
        text(rec, "reason", lim.REASON)
        code(rec, "reason", rules.reasons)
    if outcome is not None and rec.get("ended_at") is None:
        raise RecordProblem("ended_at", "missing")


def check_vevent(
    rec: dict[str, Any],
    fields: Collection[str],
    rules: Rules,
    visits: Collection[str],
    officers: Collection[str],
) -> dict[str, Any]:
    """One event of a visit's timeline; converts its time in place."""
    only_fields(rec, fields)
    uuid_id(rec, "id")
    if uuid_id(rec, "visit_id") not in visits:
        raise RecordProblem("visit_id", "unknown_visit", value=shown(rec.get("visit_id")))
    integer(rec, "seq", 1, lim.MAX_COUNTER)
    text(rec, "device_id", lim.DEVICE_ID)
    rec["at"] = timestamp(rec, "at", rules)
    kind = code(rec, "kind", EVENT_KINDS, optional=False)
    ident(rec, "step", lim.STEP)
    off = rec.get("officer")
    if off is not None and (not isinstance(off, str) or off not in officers):
        raise RecordProblem("officer", "unknown_officer", value=shown(rec.get("officer")))
    raw = rec.get("data")
    if not isinstance(raw, str) or len(raw.encode("utf-8", "surrogatepass")) > lim.EVENT_DATA_BYTES:
        raise RecordProblem("data", "too_long", n=len(str(raw)), limit=lim.EVENT_DATA_BYTES)
    try:
        data = json.loads(raw)
    except ValueError:
        raise RecordProblem("data", "not_json") from None
    if not isinstance(data, dict):
        raise RecordProblem("data", "not_json")
    if not _flat_and_plain(data, raw):
        _check_json(data, "data", 0)
    try:
        _check_event_data(str(kind), data, rules)
    except RecordProblem as e:
        raise RecordProblem(f"data.{e.field}", e.code, **e.params) from None
    return rec


_SCALARS = (str, int, float, bool, type(None))


def _flat_and_plain(data: dict[str, Any], raw: str) -> bool:
    """Most events' data: one small object of short plain values. Without a backslash in the
    JSON text no decoded text holds a control character (JSON refuses them raw)."""
    return (
        "\\" not in raw
        and len(data) <= lim.DATA_ITEMS
        and all(
            v.__class__ in _SCALARS
            and (v.__class__ is not str or len(v) <= lim.DATA_TEXT)
            and len(k) <= lim.DATA_TEXT
            for k, v in data.items()
        )
    )


def _check_json(v: Any, where: str, depth: int) -> None:
    """Event data: bounded nesting, sizes and texts (no control characters)."""
    if depth > lim.DATA_DEPTH:
        raise RecordProblem(where, "too_deep")
    if isinstance(v, str):
        if len(v) > lim.DATA_TEXT:
            raise RecordProblem(where, "too_long", n=len(v), limit=lim.DATA_TEXT)
        if _CONTROL.search(v):
            raise RecordProblem(where, "control")
    elif isinstance(v, (list, dict)):
        if len(v) > lim.DATA_ITEMS:
            raise RecordProblem(where, "too_many", n=len(v), limit=lim.DATA_ITEMS)
        items = v.items() if isinstance(v, dict) else enumerate(v)
        for k, x in items:
            sub = f"{where}.{str(k)[:40]}"
            if isinstance(k, str):
                _check_json(k, sub, depth + 1)
            _check_json(x, sub, depth + 1)


def _check_event_data(kind: str, data: dict[str, Any], rules: Rules) -> None:
    """What the merge reads from an event (outcomes, reasons, follow-up states) uses codes."""
    if kind == "outcome":
        code(data, "outcome", oc.OUTCOMES, optional=False)
        code(data, "reason", rules.reasons)
    elif kind == "choose_outcome":
        code(data, "outcome", oc.OUTCOMES)
        code(data, "reason", rules.reasons)
    elif kind == "correction":
        to = data.get("to")
        if not isinstance(to, dict):
            raise RecordProblem("to", "missing")
        code(to, "outcome", oc.OUTCOMES, optional=False)
        code(to, "reason", rules.reasons)
    elif kind in ("problem", "retry"):
        code(data, "problem", rules.reasons)
    elif kind == "followup":
        code(data, "state", FOLLOWUP_STATES)
