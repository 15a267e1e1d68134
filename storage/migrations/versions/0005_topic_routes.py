"""Topic routes: in a forum group, the thread each topic's stories go to.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "topic_routes",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("topic_slug", sa.String(length=32), nullable=False),
        sa.Column("message_thread_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_topic_routes_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_slug"],
            ["topics.slug"],
            name=op.f("fk_topic_routes_topic_slug_topics"),
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "topic_slug", name=op.f("pk_topic_routes")),
    )


def downgrade() -> None:
    op.drop_table("topic_routes")
