"""The read side: recorded batches, their items, and what a since-last export would send."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlmodel import col

from counter.services.context import Context
from counter.services.export.contract import BatchView
from counter.store.models import ExportBatch, ExportItem, Visit


def batches(ctx: Context, limit: int = 50) -> list[BatchView]:
    """The newest batches first."""
    with ctx.db.read() as s:
        rows = (
            s.execute(select(ExportBatch).order_by(col(ExportBatch.id).desc()).limit(limit))
            .scalars()
            .all()
        )
        return [
            BatchView(
                b.id or 0,
                b.created_at,
                b.officer_id,
                b.mode,
                b.date_from,
                b.date_to,
                b.format,
                b.rows,
                b.file_path,
                b.sha256,
            )
            for b in rows
        ]


def batch_items(ctx: Context, batch_id: int) -> list[tuple[str, int, bool]]:
    """(visit id, revision, correction) of one batch, in visit id order."""
    with ctx.db.read() as s:
        rows = s.execute(
            select(col(ExportItem.visit_id), col(ExportItem.revision), col(ExportItem.correction))
            .where(col(ExportItem.batch_id) == batch_id)
            .order_by(ExportItem.visit_id)
        ).all()
        return [(r[0], int(r[1]), bool(r[2])) for r in rows]


def pending_count(ctx: Context) -> int:
    """Finished visits whose current revision is in no batch yet (what since-last would export)."""
    with ctx.db.read() as s:
        q = (
            select(func.count())
            .select_from(Visit)
            .where(
                col(Visit.ended_at).is_not(None),
                col(Visit.outcome).is_not(None),
                ~exists().where(
                    col(ExportItem.visit_id) == col(Visit.id),
                    col(ExportItem.revision) == col(Visit.revision),
                ),
            )
        )
        return int(s.execute(q).scalar() or 0)
