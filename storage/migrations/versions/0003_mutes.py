"""Mutes: topics and keywords a subscriber asked to hear less about.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "muted_topics",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("topic_slug", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_muted_topics_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_slug"],
            ["topics.slug"],
            name=op.f("fk_muted_topics_topic_slug_topics"),
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "topic_slug", name=op.f("pk_muted_topics")),
    )
    op.create_table(
        "muted_keywords",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_muted_keywords_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "keyword", name=op.f("pk_muted_keywords")),
    )


def downgrade() -> None:
    op.drop_table("muted_keywords")
    op.drop_table("muted_topics")
