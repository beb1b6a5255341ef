"""registry coverage: the desa of an entry and the totals per place of every import

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:40:00

``registry_entry.desa`` (nullable small integer KKDDDD, from the extract's desa/kelurahan column
when it has one) and ``registry_coverage`` (residents and IKD active per kecamatan and per desa
after each import). The newest existing import gets its totals from the registry as it is, so
coverage works at once after the upgrade; older imports have none (their state is gone).
On SQLite ``ADD COLUMN`` keeps registry_entry WITHOUT ROWID.
"""

from typing import Any

import sqlalchemy as sa
import sqlmodel
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("registry_entry", sa.Column("desa", sa.Integer(), nullable=True))
    op.create_table(
        "registry_coverage",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "level", "code"),
    )
    kec = "CAST(substr(nik, 5, 2) AS INTEGER)"
    latest = "(SELECT max(id) FROM registry_import)"
    op.execute(
        "INSERT INTO registry_coverage (import_id, level, code, residents, active) "
        f"SELECT {latest}, 'k', {kec}, count(*), "
        "sum(CASE WHEN ikd_status = 'active' THEN 1 ELSE 0 END) FROM registry_entry "
        f"WHERE {latest} IS NOT NULL GROUP BY {kec}"
    )
    op.execute(
        "INSERT INTO registry_coverage (import_id, level, code, residents, active) "
        f"SELECT {latest}, 'd', coalesce(desa, 0), count(*), "
        "sum(CASE WHEN ikd_status = 'active' THEN 1 ELSE 0 END) FROM registry_entry "
        f"WHERE {latest} IS NOT NULL GROUP BY coalesce(desa, 0)"
    )


def downgrade() -> None:
    op.drop_table("registry_coverage")
    kwargs: dict[str, Any] = (
        {"recreate": "always", "table_kwargs": {"sqlite_with_rowid": False}}
        if op.get_bind().dialect.name == "sqlite"
        else {}
    )
    with op.batch_alter_table("registry_entry", **kwargs) as b:
        b.drop_column("desa")
