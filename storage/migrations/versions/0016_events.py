"""Events: stories of different outlets that report one happening.

``events`` has a row per event and ``event_stories`` a row per story that
joined one, with the story it was matched with, the score and the shared terms.
Both are new tables, so nothing existing is rebuilt; stories stored before
have no event (each is an event of its own) until they are grouped.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_first_at"), "events", ["first_at"], unique=False)
    op.create_table(
        "event_stories",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matched_story_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_stories_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["matched_story_id"],
            ["stories.id"],
            name=op.f("fk_event_stories_matched_story_id_stories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_event_stories_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_event_stories")),
    )
    op.create_index(op.f("ix_event_stories_event_id"), "event_stories", ["event_id"])
    op.create_index(op.f("ix_event_stories_at"), "event_stories", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_event_stories_at"), table_name="event_stories")
    op.drop_index(op.f("ix_event_stories_event_id"), table_name="event_stories")
    op.drop_table("event_stories")
    op.drop_index(op.f("ix_events_first_at"), table_name="events")
    op.drop_table("events")
