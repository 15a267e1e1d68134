"""Drop outbox.reply_markup: nothing writes or reads it (keyboards are built when sending).

Batch mode on SQLite without a rebuild: ``ALTER TABLE ... DROP COLUMN``
(SQLite 3.35+) keeps the table's named CHECK and UNIQUE constraints and its
index as they are, which copying the table into a new one would have to
reconstruct. Downgrading adds the column back, empty, as it always was.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.drop_column("reply_markup")


def downgrade() -> None:
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.add_column(sa.Column("reply_markup", sa.JSON(), nullable=True))
