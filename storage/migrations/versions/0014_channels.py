"""Channels: a daily cap on stories, the chat's title, and who manages each channel.

A channel is a row in ``subscribers`` (chat type "channel"); ``daily_cap`` and
``title`` are plain ADD COLUMNs (rebuilding ``subscribers`` on SQLite would
delete every row that cascades from it). ``channel_managers`` has one row per
channel and person.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subscribers", sa.Column("title", sa.String(length=256), nullable=True))
    op.add_column("subscribers", sa.Column("daily_cap", sa.Integer(), nullable=True))
    op.create_table(
        "channel_managers",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_channel_managers_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "user_id", name=op.f("pk_channel_managers")),
    )
    op.create_index(
        op.f("ix_channel_managers_user_id"), "channel_managers", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_managers_user_id"), table_name="channel_managers")
    op.drop_table("channel_managers")
    # DROP COLUMN (SQLite 3.35+) needs no rebuild for a column without constraints.
    op.drop_column("subscribers", "daily_cap")
    op.drop_column("subscribers", "title")
