"""registry_entry as a WITHOUT ROWID table on SQLite

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:05:00

A rowid table with a text primary key is two B-trees (the rows by rowid, plus the key index);
WITHOUT ROWID keeps the rows in the NIK B-tree itself: one B-tree to fill on a registry import and
one to search on a lookup. SQLite only (batch mode rebuilds the table: create, copy, drop,
rename); PostgreSQL is untouched.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "registry_entry", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
