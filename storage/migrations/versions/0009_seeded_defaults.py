"""Seeded defaults: the default feeds are added once, when the database is created.

Until now the feeds file's feeds were added whenever the feeds table was empty,
so removing every feed brought them all back at the next start. A database
that is already in use (it has feeds, or the topics every start syncs) was
seeded when it was created: the upgrade records that, so it is never seeded
again, even when its feed list is empty. A new database gets no row here;
the first start seeds it and records it.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seeded_defaults",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_seeded_defaults")),
    )
    op.execute(
        "INSERT INTO seeded_defaults (name, seeded_at) SELECT 'feeds', CURRENT_TIMESTAMP "
        "WHERE EXISTS (SELECT 1 FROM feeds) OR EXISTS (SELECT 1 FROM topics)"
    )


def downgrade() -> None:
    op.drop_table("seeded_defaults")
