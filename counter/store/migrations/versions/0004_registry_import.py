"""registry_import: the file and time of an import, kept once instead of on every entry

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 01:20:00

registry_entry loses ``source`` and ``updated_at`` (a file name and a timestamp repeated on all
631,075 rows, a third of the bytes an import wrote) and gains ``import_id``, the registry import
that last set the entry's status. Existing entries get one registry_import row per source file,
dated by the newest ``updated_at`` of its entries. On SQLite the table stays WITHOUT ROWID.
"""

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

import counter.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _kwargs() -> dict:
    if op.get_bind().dialect.name == "sqlite":
        return {"recreate": "always", "table_kwargs": {"sqlite_with_rowid": False}}
    return {}


def upgrade() -> None:
    op.create_table(
        "registry_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("imported_at", counter.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO registry_import (source, imported_at, read, inserted, updated, "
        "rejected) SELECT source, max(updated_at), count(*), count(*), 0, 0 "
        "FROM registry_entry GROUP BY source ORDER BY max(updated_at)"
    )
    with op.batch_alter_table("registry_entry", **_kwargs()) as b:
        b.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE registry_entry SET import_id = (SELECT i.id FROM registry_import i "
        "WHERE i.source = registry_entry.source)"
    )
    with op.batch_alter_table("registry_entry", **_kwargs()) as b:
        b.drop_column("source")
        b.drop_column("updated_at")


def downgrade() -> None:
    with op.batch_alter_table("registry_entry", **_kwargs()) as b:
        b.add_column(
            sa.Column(
                "source",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        b.add_column(
            sa.Column("updated_at", counter.store.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE registry_entry SET source = coalesce((SELECT i.source FROM "
        "registry_import i WHERE i.id = registry_entry.import_id), ''), updated_at = "
        "(SELECT i.imported_at FROM registry_import i WHERE i.id = "
        "registry_entry.import_id)"
    )
    op.execute("UPDATE registry_entry SET updated_at = CURRENT_TIMESTAMP WHERE updated_at IS NULL")
    with op.batch_alter_table("registry_entry", **_kwargs()) as b:
        b.drop_column("import_id")
        b.alter_column("updated_at", nullable=False)
    op.drop_table("registry_import")
