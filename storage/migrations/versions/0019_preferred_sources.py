"""Preferred sources: the outlets whose story a subscriber's digests show for an event.

A new table, ``preferred_sources``: a row per subscriber and chosen source, with
its place in the subscriber's list. The place and the source are each unique
within a subscriber's list; the rows go with their subscriber and their source.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "preferred_sources",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
            name=op.f("fk_preferred_sources_feed_id_feeds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_preferred_sources_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "position", name=op.f("pk_preferred_sources")),
        sa.UniqueConstraint(
            "subscriber_id", "feed_id", name=op.f("uq_preferred_sources_subscriber_id_feed_id")
        ),
    )
    op.create_index(op.f("ix_preferred_sources_feed_id"), "preferred_sources", ["feed_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_preferred_sources_feed_id"), table_name="preferred_sources")
    op.drop_table("preferred_sources")
