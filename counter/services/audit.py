"""The audit log: logins, lockouts, corrections, exports, day closes, detail views."""

from __future__ import annotations

import json
from typing import Any, Protocol

from sqlmodel import Session, select

from counter.services.context import Context
from counter.store.models import AuditEvent


class Actor(Protocol):
    """Who does something: an account as the services hand it out (accounts.OfficerView) or
    the ORM row inside a service. Only these fields are read."""

    @property
    def id(self) -> int | None: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def active(self) -> bool: ...


def record(
    s: Session,
    ctx: Context,
    action: str,
    officer: Actor | None = None,
    target: str = "",
    **detail: Any,
) -> AuditEvent:
    """Add an audit event inside the caller's write transaction."""
    ev = AuditEvent(
        at=ctx.now(),
        officer_id=officer.id if officer else None,
        username=officer.username if officer else str(detail.pop("username", "")),
        action=action,
        target=target,
        detail=json.dumps(detail, default=str),
    )
    s.add(ev)
    return ev


def log(
    ctx: Context, action: str, officer: Actor | None = None, target: str = "", **detail: Any
) -> None:
    with ctx.db.write() as s:
        record(s, ctx, action, officer, target, **detail)


def recent(ctx: Context, action: str | None = None, limit: int = 200) -> list[AuditEvent]:
    with ctx.db.read() as s:
        q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)  # type: ignore[union-attr]
        if action:
            q = q.where(AuditEvent.action == action)
        return list(s.exec(q))
