"""The tables. Visits have a summary row plus an append-only event timeline.

Timestamps are aware UTC (``UTCDateTime``); ``Visit.day`` is the local (office time zone) date the
visit started, indexed, so a day's report never scans the whole table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from counter.store.types import UTCDateTime


def _ts(nullable: bool = False, index: bool = False) -> object:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Officer(SQLModel, table=True):
    __tablename__ = "officer"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=32, unique=True, index=True)
    full_name: str = Field(default="", max_length=100)
    role: str = Field(default="officer", max_length=16)  # officer | supervisor
    pin_hash: str = Field(default="", max_length=200)  # empty: no PIN yet (imported, disabled)
    active: bool = Field(default=True)
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = _ts(nullable=True)  # type: ignore[assignment]
    created_at: datetime = _ts()  # type: ignore[assignment]
    origin_device: str | None = Field(default=None, max_length=64)


class RegistryImport(SQLModel, table=True):
    """One import of the central extract: the file it came from, when, and its counts."""

    __tablename__ = "registry_import"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(default="", max_length=200)  # the file's name
    imported_at: datetime = _ts()  # type: ignore[assignment]
    read: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0


class RegistryEntry(SQLModel, table=True):
    """The central IKD status extract, by NIK. Names are never stored.

    ``import_id``: the registry import that last set this status (its file and time are
    there, not repeated on 631,075 rows: a third of the bytes an import writes). A plain
    integer, not a declared foreign key: SQLite would check it once per row written."""

    __tablename__ = "registry_entry"
    nik: str = Field(primary_key=True, max_length=16)
    ikd_status: str = Field(max_length=12)  # active | not_active | unknown
    activated_on: date | None = Field(default=None)
    import_id: int | None = Field(default=None)
    desa: int | None = Field(default=None)  # KKDDDD of the extract's desa column (places.py)


class RegistryCoverage(SQLModel, table=True):
    """Residents and IKD active per place after one registry import (its totals, kept so the
    district's count over time is a series). ``level``: ``k`` = kecamatan by NIK digits 5-6
    (``code`` 1..15), ``d`` = desa from the extract's desa column (``code`` KKDDDD, 0 = none)."""

    __tablename__ = "registry_coverage"
    import_id: int = Field(primary_key=True)
    level: str = Field(primary_key=True, max_length=1)
    code: int = Field(primary_key=True)
    residents: int = 0
    active: int = 0


class OutreachEvent(SQLModel, table=True):
    """A jemput-bola session: a desa/kelurahan or a school, on a date."""

    __tablename__ = "outreach_event"
    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=120)
    place_code: str | None = Field(default=None, max_length=20)  # region code of the desa
    place_name: str = Field(default="", max_length=120)
    place_kind: str = Field(default="village", max_length=12)  # village | school | other
    day: date = Field(index=True)
    device_id: str = Field(default="", max_length=64)
    created_at: datetime = _ts()  # type: ignore[assignment]


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_day_counter", "day", "counter_id"),
        Index("ix_visit_day_officer", "day", "officer_id"),
        Index("ix_visit_day_outcome", "day", "outcome"),
        Index("ix_visit_followup", "followup_state", "started_at"),
        Index("ix_visit_open", "officer_id", "ended_at"),
        Index("ix_visit_nik_day_open", "nik", "day", "ended_at"),
    )
    id: str = Field(primary_key=True, max_length=36)  # UUID made when the visit starts
    office_code: str = Field(default="", max_length=16)
    counter_id: str = Field(default="", max_length=32)
    officer_id: int = Field(foreign_key="officer.id")
    device_id: str = Field(default="", max_length=64)
    event_id: str | None = Field(default=None, foreign_key="outreach_event.id", max_length=36)
    nik: str = Field(max_length=16, index=True)
    district_code: str = Field(default="", max_length=6)
    in_batang: bool = Field(default=True)
    ikd_status_found: str = Field(default="unknown", max_length=12)
    name: str | None = Field(default=None, max_length=120)  # optional
    phone: str | None = Field(default=None, max_length=20)  # only with consent
    consent_contact: bool = Field(default=False)
    purpose: str | None = Field(default=None, max_length=40)
    day: date = Field(index=True)
    started_at: datetime = _ts()  # type: ignore[assignment]
    ended_at: datetime | None = _ts(nullable=True)  # type: ignore[assignment]
    current_step: str = Field(default="nik", max_length=40)
    outcome: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=60)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    handling_seconds: int | None = Field(default=None)
    followup_state: str | None = Field(default=None, max_length=12)  # open|contacted|resolved
    followup_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    resolved_by_visit_id: str | None = Field(default=None, max_length=36)
    revision: int = Field(default=0)  # bumped by every change after the visit ended
    last_seq: int = Field(default=0)
    updated_at: datetime = _ts()  # type: ignore[assignment]
    # a mistaken visit, cancelled with a reason: kept (row and timeline), counted nowhere
    voided_at: datetime | None = _ts(nullable=True)  # type: ignore[assignment]
    voided_by: int | None = Field(default=None)
    void_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class VisitEvent(SQLModel, table=True):
    """Append-only timeline of a visit. ``id`` is a UUID so events merge across devices."""

    __tablename__ = "visit_event"
    __table_args__ = (
        UniqueConstraint("visit_id", "device_id", "seq", name="uq_visit_event_seq"),
        Index("ix_visit_event_visit", "visit_id", "at"),
    )
    id: str = Field(primary_key=True, max_length=36)
    visit_id: str = Field(foreign_key="visit.id", max_length=36)
    seq: int
    device_id: str = Field(default="", max_length=64)
    at: datetime = _ts()  # type: ignore[assignment]
    officer_id: int | None = Field(default=None, foreign_key="officer.id")
    kind: str = Field(max_length=24)  # start|status|prereq|step|problem|outcome|correction|...
    step: str | None = Field(default=None, max_length=40)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)  # type: ignore[assignment]
    officer_id: int | None = Field(default=None)
    username: str = Field(default="", max_length=32)
    action: str = Field(max_length=40, index=True)  # login, login_failed, lockout, correction...
    target: str = Field(default="", max_length=120)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class ExportBatch(SQLModel, table=True):
    __tablename__ = "export_batch"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _ts()  # type: ignore[assignment]
    officer_id: int | None = Field(default=None, foreign_key="officer.id")
    mode: str = Field(max_length=12)  # date | range | since_last
    date_from: date | None = None
    date_to: date | None = None
    format: str = Field(max_length=8)
    rows: int = 0
    file_path: str = Field(default="", max_length=500)
    sha256: str = Field(default="", max_length=64)


class ExportItem(SQLModel, table=True):
    """Which revision of which visit went into which batch (for since-last and corrections)."""

    __tablename__ = "export_item"
    batch_id: int = Field(foreign_key="export_batch.id", primary_key=True)
    visit_id: str = Field(foreign_key="visit.id", primary_key=True, max_length=36, index=True)
    revision: int = 0
    correction: bool = False


class DayClose(SQLModel, table=True):
    __tablename__ = "day_close"
    day: date = Field(primary_key=True)
    status: str = Field(default="closed", max_length=10)  # closed | reopened
    closed_at: datetime = _ts()  # type: ignore[assignment]
    closed_by: int | None = Field(default=None, foreign_key="officer.id")
    totals: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    backup_path: str = Field(default="", max_length=500)
    reopened_at: datetime | None = _ts(nullable=True)  # type: ignore[assignment]
    reopened_by: int | None = Field(default=None, foreign_key="officer.id")
    reopen_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class BundleImport(SQLModel, table=True):
    """Bundles already merged (by checksum), so importing one twice changes nothing."""

    __tablename__ = "bundle_import"
    sha256: str = Field(primary_key=True, max_length=64)
    source_device: str = Field(max_length=64)
    imported_at: datetime = _ts()  # type: ignore[assignment]
    officer_id: int | None = Field(default=None)
    summary: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class BundleExport(SQLModel, table=True):
    __tablename__ = "bundle_export"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _ts()  # type: ignore[assignment]
    sha256: str = Field(max_length=64)
    visits: int = 0
    file_path: str = Field(default="", max_length=500)
    high_water: datetime | None = _ts(nullable=True)  # type: ignore[assignment]


class AppSetting(SQLModel, table=True):
    """Small per-database settings: device id, active outreach event, remembered theme."""

    __tablename__ = "app_setting"
    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


def table(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a table model, for raw Core statements (bulk inserts, compiled
    lookups). SQLModel sets ``__table__`` when the class is created; its type stubs do not
    declare it, hence the one ignore here instead of one at every use."""
    return model.__table__  # type: ignore[attr-defined]
