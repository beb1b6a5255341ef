"""visit: voided_at, voided_by, void_reason (a mistaken visit cancelled with a reason)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:30:00

A voided visit keeps its row and its whole timeline (the ``void`` event holds the reason and
the outcome it had); these columns let every count exclude it without reading events. An index
on (nik, day, ended_at) serves "is this NIK's visit still open today" at the counter.
"""

import sqlalchemy as sa
from alembic import op

import counter.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit") as b:
        b.add_column(
            sa.Column("voided_at", counter.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        b.add_column(sa.Column("voided_by", sa.Integer(), nullable=True))
        b.add_column(sa.Column("void_reason", sa.Text(), nullable=True))
    op.create_index("ix_visit_nik_day_open", "visit", ["nik", "day", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_visit_nik_day_open", table_name="visit")
    with op.batch_alter_table("visit") as b:
        b.drop_column("void_reason")
        b.drop_column("voided_by")
        b.drop_column("voided_at")
