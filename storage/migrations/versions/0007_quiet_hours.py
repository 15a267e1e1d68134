"""Quiet hours per subscriber: /quiet sets the hours without instant alerts.

Both columns NULL means the operator's default (BRIEFBOT_QUIET_HOURS). Plain
ADD COLUMN on both databases: rebuilding ``subscribers`` on SQLite would
delete every row that cascades from it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subscribers", sa.Column("quiet_start", sa.Time(), nullable=True))
    op.add_column("subscribers", sa.Column("quiet_end", sa.Time(), nullable=True))


def downgrade() -> None:
    # DROP COLUMN (SQLite 3.35+) needs no rebuild for a column without constraints.
    op.drop_column("subscribers", "quiet_end")
    op.drop_column("subscribers", "quiet_start")
