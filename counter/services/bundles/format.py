"""The bundle file's format: the record kinds and their fields, value encoding (ISO dates),
JSON lines, and the signed gzip file (counter.services.bundle_file). See the package docstring."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from counter.services.bundle_file import wrap

FORMAT = "ikd-counter-bundle"
VERSION = 1
SUFFIX = ".ikdb"
# The file itself (signed gzip member, bounded reading): see services/bundle_file.py.
CHUNK = 500  # ids per IN (...) query

VISIT_FIELDS = (
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
VISIT_TS = ("started_at", "ended_at", "updated_at")
EVENT_FIELDS = (
    "id",
    "name",
    "place_code",
    "place_name",
    "place_kind",
    "day",
    "device_id",
    "created_at",
)
VEVENT_FIELDS = ("id", "visit_id", "seq", "device_id", "at", "kind", "step", "data")
OFFICER_FIELDS = ("username", "full_name", "role")
# the fields each record kind carries ("officer": the username of the visit's or event's officer)
RECORD_FIELDS: dict[str, Sequence[str]] = {
    "officer": OFFICER_FIELDS,
    "event": EVENT_FIELDS,
    "visit": (*VISIT_FIELDS, "officer"),
    "vevent": (*VEVENT_FIELDS, "officer"),
}


def iso(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def parse_dt(v: Any) -> datetime | None:
    if v is None:
        return None
    d = datetime.fromisoformat(v)
    if d.tzinfo is None:
        raise ValueError("naive timestamp")
    return d


def parse_day(v: Any) -> date:
    return date.fromisoformat(v)


def line(obj: dict[str, Any]) -> bytes:
    return (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
    ).encode("utf-8")


def mask_nik(nik: str) -> str:
    try:
        from counter.domain.nik import mask

        return mask(nik)
    except Exception:  # noqa: BLE001 - masking must never break a report
        return nik[:6] + "******" + nik[-4:]


def chunks(items: list[Any], n: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def seal(raw: bytes, key: bytes) -> bytes:
    """The signed file of ``raw`` (see services/bundle_file.py)."""
    return wrap(raw, key)


gzip_bytes = seal  # the older name
