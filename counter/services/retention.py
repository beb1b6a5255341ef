"""Retention (UU 27/2022 on personal data protection): keep a phone number only while it is needed.

The rules, with ``[retention]`` in the config file:

* **Phone numbers** (``phone_days_after_followup``, default 30 days). A visit's phone number is
  kept while the visit is unfinished and while its follow-up is ``open`` or ``contacted``. Once the
  visit is finished and its follow-up is closed (``resolved``) or it never had one (any outcome
  other than a consented PENDING/FAILED, or a correction took it off the list), the number is kept
  for that many days after the visit's *last recorded event* (its outcome, a correction, or the
  follow-up's resolution, whichever came last) and then erased: ``phone`` becomes empty. The visit
  itself stays, with everything else unchanged; its timeline gains an ``erased`` event (which
  field, the rule, never the number) and the run writes one ``retention`` audit row with counts.
  The erasure applies to closed days too: it is the law's erasure, not a correction. An erased
  number is never brought back by a bundle import (``bundles`` honours the ``erased`` event).
* **Backups** (``backup_days``, default 90 days). Files in the backups folder named as this app
  names them (``ikd-counter-<label>-<YYYYmmdd-HHMMSS>.db``, and a ``.part`` left by a failed
  backup) whose time stamp is that many days old or older are deleted. The newest backup is always
  kept, whatever its age, so the office is never left without one. Other files are not touched.

``run`` is called by ``dayclose.close_day`` (every day close) and by ``ikd-counter retention``.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from counter.domain import visit as vm
from counter.errors import UserError
from counter.services import audit, settings_store
from counter.services.audit import Actor
from counter.services.context import Context
from counter.services.followup import OPEN_STATES
from counter.store.models import Visit, VisitEvent

ERASED_KIND = vm.ERASED
_BACKUP_NAME = re.compile(r"^ikd-counter-.+-(\d{8}-\d{6})\.db(\.part)?$")
_CHUNK = 500


class RetentionError(UserError, ValueError):
    prefix = "retention.error"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    stamp: datetime  # local time from the file name

    @property
    def partial(self) -> bool:
        return self.path.name.endswith(".part")


@dataclass
class RetentionResult:
    dry_run: bool
    phone_days: int
    backup_days: int
    phones_erased: int = 0
    phones_kept: int = 0  # numbers still within their period or with an open follow-up
    backups_deleted: list[str] = field(default_factory=list)  # file names
    backups_kept: int = 0
    backup_errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "phone_days": self.phone_days,
            "backup_days": self.backup_days,
            "phones_erased": self.phones_erased,
            "phones_kept": self.phones_kept,
            "backups_deleted": list(self.backups_deleted),
            "backups_kept": self.backups_kept,
            "backup_errors": list(self.backup_errors),
        }


def _require_supervisor(officer: Actor | None) -> None:
    if officer is None or officer.role != "supervisor":
        raise RetentionError("forbidden")


# -- phone numbers ---------------------------------------------------------------------------


def phone_rows(s: Session) -> list[tuple[str, datetime | None, datetime | None, bool]]:
    """(visit id, ended_at, last event time, closed) of every visit holding a phone number."""
    last = (
        select(VisitEvent.visit_id, func.max(VisitEvent.at).label("last_at"))
        .where(col(VisitEvent.visit_id).in_(select(Visit.id).where(col(Visit.phone).is_not(None))))
        .group_by(VisitEvent.visit_id)
        .subquery()
    )
    closed = col(Visit.ended_at).is_not(None) & or_(
        col(Visit.followup_state).is_(None), col(Visit.followup_state).not_in(OPEN_STATES)
    )
    q = (
        select(Visit.id, Visit.ended_at, last.c.last_at, closed)
        .outerjoin(last, last.c.visit_id == Visit.id)
        .where(col(Visit.phone).is_not(None))
    )
    return [(r[0], r[1], r[2], bool(r[3])) for r in s.exec(q).all()]


def _due(
    rows: list[tuple[str, datetime | None, datetime | None, bool]], cutoff: datetime
) -> list[str]:
    out = []
    for vid, ended, last_at, closed in rows:
        if not closed or ended is None:
            continue
        since = max(t for t in (ended, last_at) if t is not None)
        if since <= cutoff:
            out.append(vid)
    return out


def _erase(s: Session, ctx: Context, ids: list[str], days: int, by: Actor) -> int:
    """Empty the phone of each visit; its timeline records the erasure (never the number).

    ``updated_at`` and ``revision`` stay: the erasure is this database's housekeeping, not a
    change of the visit to send elsewhere."""
    now, n, dev = ctx.now(), 0, settings_store.device_id(ctx)
    for i in range(0, len(ids), _CHUNK):
        for v in s.exec(select(Visit).where(col(Visit.id).in_(ids[i : i + _CHUNK]))).all():
            if v.phone is None:
                continue
            v.phone = None
            v.last_seq += 1
            s.add(
                VisitEvent(
                    id=str(uuid.uuid4()),
                    visit_id=v.id,
                    seq=v.last_seq,
                    device_id=dev,
                    at=now,
                    officer_id=by.id,
                    kind=ERASED_KIND,
                    step=None,
                    data=json.dumps({"fields": ["phone"], "rule": "retention", "days": days}),
                )
            )
            n += 1
    return n


# -- backups ---------------------------------------------------------------------------------


def backup_files(folder: Path, ctx: Context) -> list[BackupFile]:
    """This app's backup files in ``folder`` (regular files with our naming), oldest first.

    An unreadable folder raises OSError."""
    out: list[BackupFile] = []
    if not folder.is_dir():
        return out
    for p in folder.iterdir():
        m = _BACKUP_NAME.match(p.name)
        if not m or p.is_symlink() or not p.is_file():
            continue
        try:
            stamp = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=ctx.tz)
        except ValueError:
            continue
        out.append(BackupFile(p, stamp))
    return sorted(out, key=lambda b: (b.stamp, b.path.name))


def old_backups(ctx: Context, days: int) -> tuple[list[BackupFile], int]:
    """(backups due for deletion, how many stay): stamped ``days`` ago or earlier, newest kept."""
    files = backup_files(ctx.settings.backups_dir, ctx)
    complete = [b for b in files if not b.partial]
    newest = complete[-1].path if complete else None
    cutoff = ctx.local_now() - timedelta(days=days)
    due = [b for b in files if b.stamp <= cutoff and b.path != newest]
    return due, len(files) - len(due)


def _delete(files: list[BackupFile]) -> tuple[list[str], list[str]]:
    done, errors = [], []
    for b in files:
        try:
            b.path.unlink()
            done.append(b.path.name)
        except FileNotFoundError:
            done.append(b.path.name)  # gone meanwhile: the goal is met
        except OSError as e:
            errors.append(f"{b.path.name}: {e.strerror or e}")
    return done, errors


# -- the run ---------------------------------------------------------------------------------


def run(
    ctx: Context, by: Actor | None, *, dry_run: bool = False, trigger: str = "command"
) -> RetentionResult:
    """Erase phone numbers past their period and delete old backups; one audit row per run."""
    _require_supervisor(by)
    assert by is not None
    rs = ctx.settings.retention
    res = RetentionResult(dry_run, rs.phone_days_after_followup, rs.backup_days)
    cutoff = ctx.now() - timedelta(days=rs.phone_days_after_followup)
    try:
        due_backups, res.backups_kept = old_backups(ctx, rs.backup_days)
    except OSError as e:  # the phone numbers are still erased; the problem is reported
        due_backups = []
        res.backup_errors.append(f"{ctx.settings.backups_dir}: {e.strerror or e}")
    if dry_run:
        with ctx.db.read() as s:
            rows = phone_rows(s)
        due = _due(rows, cutoff)
        res.phones_erased, res.phones_kept = len(due), len(rows) - len(due)
        res.backups_deleted = [b.path.name for b in due_backups]
        return res
    with ctx.db.write() as s:
        rows = phone_rows(s)
        res.phones_erased = _erase(s, ctx, _due(rows, cutoff), rs.phone_days_after_followup, by)
        res.phones_kept = len(rows) - res.phones_erased
        audit.record(
            s,
            ctx,
            "retention",
            by,
            target=trigger,
            phones_erased=res.phones_erased,
            phones_kept=res.phones_kept,
            phone_days=rs.phone_days_after_followup,
            backups_deleted=len(due_backups),
            backup_days=rs.backup_days,
        )
    res.backups_deleted, errors = _delete(due_backups)
    res.backup_errors.extend(errors)
    if res.backup_errors:
        audit.log(ctx, "retention_backup_failed", by, target=trigger, errors=res.backup_errors)
    return res


def run_at_close(ctx: Context, by: Actor) -> RetentionResult | None:
    """The day close's run: a failure is audited and never undoes the close."""
    try:
        return run(ctx, by, trigger="day_close")
    except Exception as e:  # noqa: BLE001 - the day is closed; the next close runs it again
        with contextlib.suppress(Exception):  # the database itself failed: nothing to record
            audit.log(ctx, "retention_failed", by, target="day_close", error=e.__class__.__name__)
        return None
