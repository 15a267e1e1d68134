"""Feed alerts: the incident an operator was told about, on its feed; outbox rows for admins.

An alert for an admin chat belongs to no subscriber, so ``outbox.subscriber_id``
becomes nullable.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("alert_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("alert_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("subscriber_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE subscriber_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("subscriber_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("alerted_at")
        batch.drop_column("alert_note")
        batch.drop_column("alert_kind")
